"""Registry passwords at rest: encrypted with a Fernet key (AES-128-CBC
and HMAC-SHA256, from the cryptography package) that lives in a file the
operator keeps, not in the database.

A database dump alone then shows no password. The API encrypts what a
tenant gives it; the conductor that pulls decrypts it; nothing else ever
sees it, and no view or log prints it. Every process of a deployment
reads the same key file, [registries] password_key_file; the first
process that needs a key and finds none writes a new one (mode 0600).
"""
import os

from cryptography import fernet

from magnum_lite import exception


def _key_path(conf):
    return conf.registries.password_key_file


def _fernet(conf, create=False):
    path = _key_path(conf)
    try:
        with open(path, "rb") as f:
            return fernet.Fernet(f.read().strip())
    except FileNotFoundError:
        if not create:
            raise exception.MagnumLiteError(
                f"[registries] password_key_file {path} does not exist: "
                "every process needs the key the API wrote")
    except ValueError as e:
        raise exception.MagnumLiteError(
            f"[registries] password_key_file {path} holds no Fernet "
            f"key: {e}")
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    key = fernet.Fernet.generate_key()
    # O_EXCL: of two processes making the key at once, one wins and
    # both use its key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _fernet(conf)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return fernet.Fernet(key)


def encrypt(conf, password):
    """The token to store for a password (None stays None)."""
    if password is None:
        return None
    return _fernet(conf, create=True).encrypt(
        password.encode("utf-8")).decode("ascii")


def decrypt(conf, token):
    """The password a stored token holds (None stays None)."""
    if token is None:
        return None
    try:
        return _fernet(conf).decrypt(token.encode("ascii")).decode("utf-8")
    except fernet.InvalidToken:
        raise exception.MagnumLiteError(
            "a registry password cannot be decrypted with [registries] "
            f"password_key_file {_key_path(conf)}: is it the API's key?")

"""Long answers of the engine read in chunks, holding a bounded part."""
import codecs
import collections

from oslo_utils import units

CHUNK = 64 * 1024  # most bytes asked of an engine's stream at a time
DEFAULT_LIMIT = 4 * units.Mi  # as [api] max_output_bytes' default
_HEADER = 8  # a frame's header without a TTY: stream, 0, 0, 0, size (BE)
# Go's os.FileMode bits that make a path other than a regular file (dir,
# symlink, device, named pipe, socket, char device, irregular), as
# Docker's path stat gives them.
_NOT_REGULAR = (1 << 31 | 1 << 27 | 1 << 26 | 1 << 25 | 1 << 24 | 1 << 21
                | 1 << 19)


class Tail:
    """The newest `limit` bytes of a stream given in pieces, and how many
    bytes it had: it holds at most `limit` bytes and one piece."""

    def __init__(self, limit):
        self.limit = limit
        self.total = 0
        self._pieces = collections.deque()
        self._held = 0

    def add(self, piece):
        if not piece:
            return
        self.total += len(piece)
        if len(piece) >= self.limit:
            self._pieces.clear()
            self._held = 0
            piece = piece[-self.limit:]
        self._pieces.append(piece)
        self._held += len(piece)
        # Drop the oldest pieces while the rest still fill the limit.
        while self._held - len(self._pieces[0]) >= self.limit:
            self._held -= len(self._pieces.popleft())

    @property
    def cut(self):
        """How many bytes the stream had when that is more than it kept;
        None when it kept them all."""
        return self.total if self.total > self.limit else None

    def take(self):
        """The bytes kept (the newest, at most `limit`) as one bytearray;
        the pieces are let go one by one as they are copied."""
        out = bytearray(min(self._held, self.limit))
        skip = self._held - len(out)  # less than the first piece's length
        at = 0
        while self._pieces:
            piece = memoryview(self._pieces.popleft())[skip:]
            skip = 0
            out[at:at + len(piece)] = piece
            at += len(piece)
        self._held = 0
        return out

    def text(self):
        """The bytes kept as text: a cut one starts at a character's first
        byte; bytes that are not UTF-8 become U+FFFD. Decoded piece by
        piece, each let go once decoded: the text and the pieces' text
        are held at once, never the bytes as well."""
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        skip = self._held - min(self._held, self.limit)
        # A UTF-8 character is at most 4 bytes: a cut one skips the
        # continuation bytes (10xxxxxx) of the one the cut went through.
        strip = 3 if self.cut is not None else 0
        texts = []
        while self._pieces:
            piece = self._pieces.popleft()
            start = skip
            skip = 0
            while strip and start < len(piece) and piece[start] & 0xC0 == 0x80:
                start += 1
                strip -= 1
            if start < len(piece):
                strip = 0
            texts.append(decoder.decode(piece[start:] if start else piece,
                                        final=not self._pieces))
        self._held = 0
        return "".join(texts)


def tail_of(pieces, limit):
    """A Tail of `limit` bytes fed with every piece of `pieces`."""
    tail = Tail(limit)
    for piece in pieces:
        tail.add(piece)
    return tail


def at_most(pieces, limit):
    """All of `pieces` joined, as a bytearray; None as soon as they come
    to more than `limit` bytes (the rest is not read)."""
    tail = Tail(limit)
    for piece in pieces:
        tail.add(piece)
        if tail.cut is not None:
            return None
    return tail.take()


def raw(read):
    """Pieces of a stream as read(n) gives them, n at most CHUNK: a TTY's
    output, or a tar."""
    while True:
        piece = read(CHUNK)
        if not piece:
            return
        yield piece


def frames(read):
    """The payload of Docker's framing of a stream without a TTY, from
    read(n), in pieces of at most CHUNK bytes whatever a frame's header
    claims; stdout and stderr as they came."""
    while True:
        header = _exactly(read, _HEADER)
        if len(header) < _HEADER:
            return
        size = int.from_bytes(header[4:8], "big")
        while size:
            piece = read(min(size, CHUNK))
            if not piece:
                return
            size -= len(piece)
            yield piece


def _exactly(read, n):
    data = b""
    while len(data) < n:
        piece = read(n - len(data))
        if not piece:
            break
        data += piece
    return data


def is_regular(stat):
    """Whether Docker's stat of a path ({name, size, mode...}) is of a
    regular file, whose size is then known before its archive is read."""
    return "mode" in stat and not stat["mode"] & _NOT_REGULAR

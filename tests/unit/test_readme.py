"""The README's config snippets work as pasted: every ini block loads with
oslo.config, names options that exist, and no value carries a comment
(oslo.config keeps `value  # note` whole, as the value)."""
import re

from oslo_config import cfg

from harness import stack as shared
from magnum_lite import conf as ml_conf


def _ini_blocks():
    """The README's indented blocks that start with a [section] line."""
    text = (shared.ROOT / "README.md").read_text()
    for block in re.findall(r"(?:^    .*\n|^\n)+", text, re.M):
        lines = [line[4:] for line in block.splitlines() if line.strip()]
        if lines and re.match(r"\[\w+\]$", lines[0]):
            yield "\n".join(lines) + "\n"


def test_the_readme_has_config_blocks():
    assert len(list(_ini_blocks())) >= 3


def test_every_config_block_loads_as_written(tmp_path):
    for number, block in enumerate(_ini_blocks()):
        path = tmp_path / ("readme-%d.conf" % number)
        path.write_text(block)
        conf = ml_conf.register_opts(cfg.ConfigOpts())
        conf(["--config-file", str(path)], project="magnum_lite",
             default_config_files=[])
        sections = {}
        cfg.ConfigParser(str(path), sections).parse()
        for section, options in sections.items():
            group = None if section == "DEFAULT" else section
            for name, values in options.items():
                assert "#" not in values[-1], (section, name, values)
                value = (conf[group] if group else conf)[name]
                assert value is not None, (section, name)

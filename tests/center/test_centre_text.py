"""The centre refuses control and direction characters in what its staff type: a
visit request, a station name to enrol, a catalogue to publish (shared/text.py)."""

from __future__ import annotations

from tests.sync.syncrig import Centre, make_station


def test_centre_inputs_refuse_control_characters(centre: Centre, tmp_path) -> None:
    make_station("徐汇-01", centre=centre)
    store = centre.store()
    before = store.counts()["updates"]
    base = ["visit", "request", "--station", "徐汇-01", "--date", "2026-12-01",
            "--resident-name", "王阿婆", "--phone", "64001234", "--address", "嘉乐 9号"]
    for flag, value in (("--resident-name", "王\x1b[2J阿婆"), ("--address", "嘉乐\u202e9号"),
                        ("--note", "x\x9by"), ("--family-name", "a\u2066b")):
        args = list(base)
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
        out = centre.cli(*args)
        assert out.returncode == 1, out.stdout
        assert "U+" in out.stderr and "Traceback" not in out.stderr
        assert value not in out.stderr
    assert store.counts()["updates"] == before  # nothing was sent down
    assert centre.cli(*base).returncode == 0  # the same request, plain, goes through

    note = centre.cli("case", "set-status", "ANY", "returned", "--note", "材料\u202e不全")
    assert note.returncode == 1 and "U+202E" in note.stderr

    bad_name = centre.cli("enroll", "--station", "徐汇\x1b]0;x\x07")
    assert bad_name.returncode == 1 and "U+001B" in bad_name.stderr

    cat = tmp_path / "c.toml"
    cat.write_text('version = "9"\n[[matters]]\nname = "敬老卡\u202e申领"\n', encoding="utf-8")
    bad_cat = centre.cli("catalogue", "publish", str(cat))
    assert bad_cat.returncode == 1 and "U+202E" in bad_cat.stderr
    store.close()

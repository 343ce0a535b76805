"""shimrender: a template's blocks name their parts; stubs stand in for what dash has not read yet."""

from __future__ import annotations

import re

import pytest

from pipshim import paths, shimrender, shims
from pipshim.shimrender import minify, render_blocks, stubs


def test_a_stub_stands_in_only_for_a_function_called_before_dash_reads_it():
    before = "helper() { :; }\npick() { helper; pick_far; }\npick\nrun_picked\n"
    after = "pick_far() { :; }\nrun_picked() { real_one; }\nreal_one() { :; }\nhelper() { :; }\nunused() { :; }\n"
    out = stubs(before, after)
    assert out == (
        'pick_far() { later="$later pick_far"; return 1; }\n'
        'run_picked() { later="$later run_picked"; return 1; }\n'
        'real_one() { later="$later real_one"; return 1; }\n'
    )
    # helper is defined before (never replaced by a stub); unused is never called


def test_a_name_inside_another_word_or_a_variable_is_no_call():
    assert stubs("x=$pick_far; pick_far_x; msg-pick_far\n", "pick_far() { :; }\n") == ""


def test_blocks_are_filled_with_the_parts_they_name_and_the_rest_is_kept():
    template = "#!/bin/sh\n# start rendered: near stubs\n# end rendered\npick\n# start rendered: far\n# end rendered\n"
    out = render_blocks(template)
    assert out.startswith("#!/bin/sh\n# start rendered: near stubs\nVENV_NAMES=")
    assert shimrender.selection("near") in out and shimrender.selection("far") in out
    assert 'pick_far() { later="$later pick_far"; return 1; }' in out  # pick calls it before the far block
    assert out.index("pick_far() { later") < out.index("# end rendered\npick\n")
    assert out.endswith("# end rendered\n")


@pytest.mark.parametrize(
    "template",
    ["# start rendered: near\npick\n", "# start rendered: near bogus\n# end rendered\n", "x\n# end rendered\n"],
    ids=["no end", "unknown part", "end without start"],
)
def test_a_malformed_template_is_refused(template):
    with pytest.raises(ValueError):
        render_blocks(template)


def test_minify_drops_comments_blank_lines_and_indentation_only():
    sh = (
        "# a comment\n\nf() {\n    x=${y#\\#!} # dropped: a comment after code\n"
        "    echo 'a # b' # it's kept: a quote follows the #\n    y=\"1 # 2\"\n    z=a\\ # kept: an escaped space\n"
        "    case $x in a) ;; esac\n}\n"
    )
    assert minify(sh) == (
        "f() {\nx=${y#\\#!}\necho 'a # b' # it's kept: a quote follows the #\ny=\"1 # 2\"\n"
        "z=a\\ # kept: an escaped space\ncase $x in a) ;; esac\n}\n"
    )


def test_the_rendered_shims_keep_their_first_two_lines_and_block_markers():
    from pipshim import shims

    for template in ("pip", "python"):
        with open(shims.template_path(template), encoding="utf-8") as fh:
            text = fh.read()
        out = render_blocks(text)
        assert out.splitlines()[:2] == text.splitlines()[:2]
        markers = [ln for ln in text.splitlines() if ln.startswith(("# start rendered", "# end rendered"))]
        assert [ln for ln in out.splitlines() if ln.startswith("#")][2:] == markers


def test_the_shipped_parts_hold_nothing_minify_would_break():
    """No here-document and no quoted string spanning lines: their lines' indentation and any
    line starting with # would be content, which minify() drops."""
    for part, name in shimrender.PARTS.items():
        if name is None:
            continue
        from pipshim.shims import template_path

        with open(template_path(name), encoding="utf-8") as fh:
            text = fh.read()
        assert "<<" not in text, part
        for line in text.splitlines():
            code = line.split(" #", 1)[0] if not line.lstrip().startswith("#") else ""
            assert code.count("'") % 2 == 0 and code.count('"') % 2 == 0, (part, line)


def test_functions_takes_whole_definitions_and_names_a_missing_one():
    text = shimrender.functions("near", ("owner_ok",))
    assert text.startswith("owner_ok() {\n") and text.endswith("}\n") and "private_group() {" not in text
    with pytest.raises(LookupError, match="defines no no_such_function"):
        shimrender.functions("near", ("no_such_function",))


def test_path_words_are_spelled_from_paths_and_nothing_else_is_touched():
    assert shimrender.fill("x=$H/@DATA_HOME_DEFAULT@/@USER_VENV_IN_DATA@") == "x=$H/.local/share/pipshim/venv"
    assert shimrender.fill("@PIPSHIM_PYTHON@ @NOT_A_WORD@ a@b") == "@PIPSHIM_PYTHON@ @NOT_A_WORD@ a@b"
    # every word a sh source names is one of WORDS, and every rendered part has them spelled out
    named, left = set(), re.compile("@(" + "|".join(shimrender.WORDS) + ")@")
    for part, name in shimrender.PARTS.items():
        if name:
            named |= set(re.findall(r"@([A-Z_]+)@", shimrender._source(part)))
            assert not left.search(shimrender.selection(part)), part
    for template in ("pip", "python"):
        with open(shims.template_path(template), encoding="utf-8") as fh:
            text = fh.read()
        named |= set(re.findall(r"@([A-Z_]+)@", text))
        assert not left.search(render_blocks(text)), template
    assert named <= set(shimrender.WORDS) | {"PIPSHIM_PYTHON", "PIPSHIM_BIN_DIR"}
    assert paths.user_env_file({"HOME": "/h"}) == f"/h/{paths.DATA_HOME_DEFAULT}/{paths.USER_ENV_FILE_IN_DATA}"

"""Camunda's JUEL conditions that are plain comparisons read the same in Python."""

import pytest

from engine.juel import JuelRefused, is_juel, translate
from engine.scripting import check_expression


@pytest.mark.parametrize(("juel", "python"), [
    ("${approved}", "approved"),
    ("${approved == true}", "approved == True"),
    ("${decision eq 'reject'}", "decision == 'reject'"),
    ('${decision ne "ok" && amount gt 1000}', "decision != 'ok' and amount > 1000"),
    ("${a lt 1 || b le 2.5 or c ge 3 and d >= 4}", "a < 1 or b <= 2.5 or c >= 3 and d >= 4"),
    ("${!(x != null)}", "not (x != None)"),
    ("${not empty missingDocuments}", "not not missingDocuments"),
    ("${applicant.address.province == 'Thanh Hóa'}",
     "applicant['address']['province'] == 'Thanh Hóa'"),
    ("#{count > 0}", "count > 0"),
])
def test_plain_comparisons_become_python_the_sandbox_accepts(juel, python):
    translation = translate(juel)

    assert translation.python == python
    check_expression(translation.python)


def test_a_translation_names_each_variable_with_the_literals_it_is_compared_with():
    translation = translate("${decision == 'reject' || decision eq 'supplement' && paid == true}")

    assert translation.variables == {"decision": ["reject", "supplement"], "paid": [True]}


@pytest.mark.parametrize("juel", [
    "${execution.getVariable('x') > 3}",
    "${amount + fee > 100}",
    "${approved ? 'yes' : 'no'}",
    "${items[0] == 'a'}",
    "${}",
])
def test_what_is_more_than_a_comparison_is_refused_with_a_suggestion(juel):
    with pytest.raises(JuelRefused) as refused:
        translate(juel)

    assert "script task" in refused.value.suggestion or "write the condition" in \
        refused.value.suggestion


def test_only_dollar_or_hash_braces_are_juel():
    assert [is_juel(t) for t in ("${a}", " #{a} ", "a == 1", "${a")] == [True, True, False,
                                                                             False]

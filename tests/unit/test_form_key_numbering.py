"""A changed published form moves to the next free key, and only the steps naming it follow."""

from engine.form_renames import rename_changed_forms

PUBLISHED = {"copy/certify": {"title": "old"}, "copy/certify_2": {"title": "older"},
             "copy/sign": {"title": "sign"}}
XML = b"""<bpmn:userTask id="certify">
  <spiffworkflow:property name="form" value="copy/certify" />
  <spiffworkflow:property value='copy/certify' name='form'/>
  <spiffworkflow:property name="note" value="copy/certify" />
  <spiffworkflow:property name="form" value="copy/certify_extra" />
  <spiffworkflow:property name="form" value="copy/sign" />
</bpmn:userTask>"""


def allowed(key: str) -> bool:
    return len(key) <= 30


def test_the_changed_form_takes_the_first_number_nobody_holds_and_only_its_steps_follow():
    renamed = rename_changed_forms(XML, meta={"intake_form": "copy/intake"},
                                   forms={"copy/certify": {"title": "new"},
                                          "copy/sign": {"title": "sign"}},
                                   published=PUBLISHED.get, key_allowed=allowed)

    assert renamed.renamed == {"copy/certify": "copy/certify_3"}
    assert renamed.forms == {"copy/certify_3": {"title": "new"}, "copy/sign": {"title": "sign"}}
    assert renamed.bpmn_xml == XML.replace(b'name="form" value="copy/certify" ',
                                           b'name="form" value="copy/certify_3" ').replace(
        b"value='copy/certify' name='form'", b"value='copy/certify_3' name='form'")
    assert renamed.meta == {"intake_form": "copy/intake"}


def test_an_unchanged_or_new_form_keeps_its_key_and_the_model_is_untouched():
    renamed = rename_changed_forms(XML, meta={}, forms={"copy/sign": {"title": "sign"},
                                                        "copy/new": {"title": "new"}},
                                   published=PUBLISHED.get, key_allowed=allowed)

    assert (renamed.renamed, renamed.bpmn_xml) == ({}, XML)


def test_a_key_too_long_to_number_is_left_for_the_form_checks_to_report():
    long_key = "copy/" + "x" * 25
    renamed = rename_changed_forms(XML, meta={}, forms={long_key: {"title": "new"}},
                                   published={long_key: {"title": "old"}}.get,
                                   key_allowed=allowed)

    assert (renamed.renamed, renamed.forms) == ({}, {long_key: {"title": "new"}})

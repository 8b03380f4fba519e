"""The VietQR payload: every field parsed back, the CRC recomputed, golden payloads."""

import pytest

from engine.payment_dues import reference_of, references_in
from engine.vietqr import Beneficiary, crc16_ccitt_false, parse, payload

CENTER = Beneficiary(bank_bin="970436", account="0011001234567")
DOSSIER_CODE = "000.00.00.H00-260302-0001"
# The fixed dossier's payload, written out field by field (id, length, value):
GOLDEN = ("000201" "010212"
          "3857" "0010A000000727" "0127" "0006970436" "01130011001234567" "0208QRIBFTTA"
          "5303704" "5406100000" "5802VN"
          "6226" "0822MC0000000H002603020001"
          "6304" "6AA4")  # binascii.crc_hqx(…, 0xFFFF), an independent CRC-16/CCITT-FALSE


def test_the_fixed_dossiers_payload_is_the_golden_one():
    assert reference_of(DOSSIER_CODE) == "MC0000000H002603020001"

    assert payload(CENTER, amount_vnd=100_000, reference=reference_of(DOSSIER_CODE)) == GOLDEN


def test_the_payload_parses_back_tag_by_tag_and_its_crc_is_recomputed():
    text = payload(CENTER, amount_vnd=8_000, reference="MC0000000H002603020042")

    fields = parse(text)
    assert list(fields) == ["00", "01", "38", "53", "54", "58", "62", "63"]
    assert fields["00"] == "01"
    assert fields["01"] == "12"
    merchant = parse(fields["38"])
    assert merchant == {"00": "A000000727", "01": "0006970436" "01130011001234567",
                        "02": "QRIBFTTA"}
    assert parse(merchant["01"]) == {"00": "970436", "01": "0011001234567"}
    assert fields["53"] == "704"
    assert fields["54"] == "8000"
    assert fields["58"] == "VN"
    assert parse(fields["62"]) == {"08": "MC0000000H002603020042"}
    assert fields["63"] == crc16_ccitt_false(text[:-4])
    assert text[-8:-4] == "6304"


@pytest.mark.parametrize(("beneficiary", "amount", "reference", "published"), [
    # Payloads published by others, from real banking apps' generators.
    (Beneficiary("970436", "1023456789"), 1_943_000, "TT000069",
     "00020101021238540010A00000072701240006970436011010234567890208QRIBFTTA5303704"
     "540719430005802VN62120808TT0000696304A8E5"),
    (Beneficiary("970415", "0011001932418"), 120_000, "ung ho lu lut",
     "00020101021238570010A0000007270127000697041501130011001932418"
     "0208QRIBFTTA530370454061200005802VN62170813ung ho lu lut6304C15C"),
])
def test_payloads_published_elsewhere_are_reproduced(beneficiary, amount, reference, published):
    assert payload(beneficiary, amount_vnd=amount, reference=reference) == published


def test_the_crc_is_ccitt_false():
    assert crc16_ccitt_false("123456789") == "29B1"  # the catalogue's check value


def test_a_long_agency_code_keeps_the_date_and_sequence_within_25_characters():
    reference = reference_of("000.00.00.H00.XA.LONG.CODE-260302-0001")

    assert len(reference) == 25
    assert reference.endswith("2603020001")


@pytest.mark.parametrize("description", [
    "MC0000000H002603020001",
    "chuyen tien mc-0000000h00.260302-0001 nguyen van a",
    "MC 0000000 H00 260302 0001",
    "IBFT MC0000000H002603020001NGUYENVANA",
])
def test_a_reference_is_found_whatever_the_bank_stripped(description):
    assert "MC0000000H002603020001" in references_in(description)


def test_a_malformed_payload_is_refused():
    with pytest.raises(ValueError):
        parse("000201015")

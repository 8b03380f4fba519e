"""The VietQR payload: EMVCo merchant-presented mode as NAPAS specifies it for bank transfers.

Each field is an id of two digits, its length in two digits and its value; tag 38 carries
NAPAS's GUID, the beneficiary bank's BIN and account and the service (transfer to an
account), tag 62's sub-field 08 the payment reference the bank copies into the transfer's
description, and tag 63 a CRC-16/CCITT-FALSE over everything before it, `6304` included.
"""

from dataclasses import dataclass

NAPAS_GUID = "A000000727"
TRANSFER_TO_ACCOUNT = "QRIBFTTA"
VND = "704"
COUNTRY = "VN"
FORMAT_VERSION = "01"
ONE_TIME = "12"  # dynamic: the amount and reference are for one payment
CRC_TAG = "6304"


@dataclass(frozen=True)
class Beneficiary:
    """The center's account: its bank's BIN (acquirer id) and the account number."""

    bank_bin: str
    account: str


def field(tag: str, value: str) -> str:
    """Return one EMVCo field: id, length in two digits, value."""
    if len(value) > 99:
        raise ValueError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def crc16_ccitt_false(data: str) -> str:
    """Return the CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of `data` as 4 upper hex digits."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def payload(beneficiary: Beneficiary, *, amount_vnd: int, reference: str) -> str:
    """Return the payload a banking app scans to transfer `amount_vnd` with `reference`."""
    account = field("00", beneficiary.bank_bin) + field("01", beneficiary.account)
    merchant = field("00", NAPAS_GUID) + field("01", account) + field("02", TRANSFER_TO_ACCOUNT)
    body = (field("00", FORMAT_VERSION) + field("01", ONE_TIME) + field("38", merchant)
            + field("53", VND) + field("54", str(amount_vnd)) + field("58", COUNTRY)
            + field("62", field("08", reference)) + CRC_TAG)
    return body + crc16_ccitt_false(body)


def parse(text: str) -> dict[str, str]:
    """Return the top-level fields of an EMVCo payload by id, in order; refuse a malformed one."""
    fields, at = {}, 0
    while at < len(text):
        tag, size = text[at:at + 2], text[at + 2:at + 4]
        if len(tag) < 2 or not size.isdigit() or at + 4 + int(size) > len(text):
            raise ValueError(f"malformed field at position {at}")
        fields[tag] = text[at + 4:at + 4 + int(size)]
        at += 4 + int(size)
    return fields

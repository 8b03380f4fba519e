"""Dossier statuses, channels, step states and roles; statuses numbered as DVCQG does."""

from enum import IntEnum, StrEnum


class DossierStatus(IntEnum):
    """DVCQG dossier status codes."""

    NEWLY_SUBMITTED = 1
    ACCEPTED = 2
    NOT_ACCEPTED = 3
    PROCESSING = 4
    SUPPLEMENT_REQUESTED = 5
    PAYMENT_REQUESTED = 6
    CITIZEN_WITHDRAWAL = 7
    STOPPED = 8
    PROCESSED = 9
    RESULT_RETURNED = 10

    @property
    def label_vi(self) -> str:
        """Return the Vietnamese label shown to citizens."""
        return _LABELS_VI[self]

    @property
    def label_en(self) -> str:
        """Return the English label."""
        return self.name.replace("_", " ").capitalize()

    @property
    def is_final(self) -> bool:
        """Tell whether the dossier can change no further."""
        return self in _FINAL


_LABELS_VI = {
    DossierStatus.NEWLY_SUBMITTED: "Mới đăng ký",
    DossierStatus.ACCEPTED: "Đã tiếp nhận",
    DossierStatus.NOT_ACCEPTED: "Không được tiếp nhận",
    DossierStatus.PROCESSING: "Đang xử lý",
    DossierStatus.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung",
    DossierStatus.PAYMENT_REQUESTED: "Yêu cầu thực hiện nghĩa vụ tài chính",
    DossierStatus.CITIZEN_WITHDRAWAL: "Công dân yêu cầu rút hồ sơ",
    DossierStatus.STOPPED: "Dừng xử lý",
    DossierStatus.PROCESSED: "Đã xử lý xong",
    DossierStatus.RESULT_RETURNED: "Đã trả kết quả",
}

_FINAL = {
    DossierStatus.NOT_ACCEPTED,
    DossierStatus.CITIZEN_WITHDRAWAL,
    DossierStatus.STOPPED,
    DossierStatus.RESULT_RETURNED,
}
HELD_STATUSES = frozenset({DossierStatus.PAYMENT_REQUESTED,
                           DossierStatus.CITIZEN_WITHDRAWAL, DossierStatus.STOPPED})

# Set by engine use cases, never derived from the open steps: the workflow's status does not
# overwrite them (engine.projection).
HELD_STATUSES = frozenset({DossierStatus.PAYMENT_REQUESTED, DossierStatus.CITIZEN_WITHDRAWAL,
                           DossierStatus.STOPPED})


class Channel(IntEnum):
    """How the dossier reached the center."""

    COUNTER = 1
    ONLINE = 2
    POST = 3


class TaskState(StrEnum):
    """Where a human step stands."""

    READY = "ready"
    CLAIMED = "claimed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


OPEN_TASK_STATES = (TaskState.READY, TaskState.CLAIMED)


class Role(StrEnum):
    """What a user may do."""

    RECEPTIONIST = "receptionist"
    OFFICER = "officer"
    HEAD = "head"
    LEADER = "leader"
    SUPERVISOR = "supervisor"
    DESIGNER = "designer"
    ADMIN = "admin"


class DocumentKind(StrEnum):
    """What a document is to its dossier."""

    COMPONENT = "component"  # handed in by the citizen
    RESULT = "result"  # issued to the citizen


class DocumentStage(StrEnum):
    """When a component was handed in."""

    RECEIPT = "receipt"
    SUPPLEMENT = "supplement"


class Handling(StrEnum):
    """How reception handled a component."""

    DIGITISED = "digitised"  # scanned: carries its file
    REUSED = "reused"  # already held from the citizen's earlier dossier: no new file
    SHOWN = "shown"  # shown at the counter and handed back: no file

"""Local time for the staff app until the shared formatting helpers land: dd/mm/yyyy HH:mm."""

from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def local_time(moment: datetime) -> str:
    """Return an aware moment as Hà Nội's wall time, e.g. '07/12/2026 16:05'."""
    return moment.astimezone(LOCAL_ZONE).strftime("%d/%m/%Y %H:%M")

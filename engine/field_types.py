"""The types a field may have: plain names the engine reads at run time, with no model behind them.

They live apart from the models of the format (engine.field_spec) so that a command that runs
a case reads them without importing pydantic (engine.plain_spec).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

__all__ = ["CHOICE_TYPES", "DEFAULT_LINK_EXPIRY", "LIST_TYPES", "FieldType", "FileKind"]


class FieldType(StrEnum):
    text = "text"
    long_text = "long_text"
    email = "email"
    url = "url"
    phone = "phone"
    number = "number"
    money = "money"
    bool = "bool"
    date = "date"
    datetime = "datetime"  # a moment: stored UTC, typed and shown in the playbook's zone
    choice = "choice"
    multi_choice = "multi_choice"
    text_list = "text_list"
    email_list = "email_list"  # e-mail addresses: a notify to it sends one message per address
    person = "person"
    person_list = "person_list"
    file = "file"  # an uploaded file, kept by its sha256 (engine.files); the value says its name


LIST_TYPES = frozenset(
    {FieldType.multi_choice, FieldType.text_list, FieldType.email_list, FieldType.person_list}
)
CHOICE_TYPES = frozenset({FieldType.choice, FieldType.multi_choice})
# the kinds of file a `file` field may take, known by their first bytes (engine.files)
FileKind = Literal["pdf", "png", "jpeg", "gif", "docx", "xlsx", "odt", "txt"]
DEFAULT_LINK_EXPIRY = "30 days"

"""The people file's format: the model `load_people` (engine.people) validates a file against."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from trinn.engine.validation import DeferredRootModel

__all__ = ["PeopleFile"]

_Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]*$", max_length=64)]
_RoleId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class _PersonEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # built when a file is read

    name: Annotated[str, StringConstraints(min_length=1)]
    email: str | None = None
    roles: list[_RoleId] = Field(default_factory=list)


class PeopleFile(DeferredRootModel[dict[_Id, _PersonEntry]]):
    model_config = ConfigDict(frozen=True, defer_build=True)

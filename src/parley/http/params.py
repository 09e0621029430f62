"""Path parameters shared by the controllers, each bounded so no unchecked input reaches the database."""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter

from parley.domain.paging import MAX_ID

SlugPath = Annotated[str, PathParameter(min_length=1, max_length=200, description="the article's slug")]
IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID)]

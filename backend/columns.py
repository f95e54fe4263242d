"""Column types as mypy should see them.

Piccolo types a JSON column's value as `str`, the text it is stored as; every query here reads it with
`output(load_json=True)`, so the value is the list or dict itself. Only the type checker sees this
subclass: at run time the column is Piccolo's own, so the migrations and the schema do not change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, overload

from piccolo.columns import JSON as PiccoloJSON

if TYPE_CHECKING:
    from piccolo.table import Table

    class JSON(PiccoloJSON):
        @overload
        def __get__(self, obj: Table, objtype: Any = None) -> Any: ...
        @overload
        def __get__(self, obj: None, objtype: Any = None) -> JSON: ...
        def __get__(self, obj: Table | None, objtype: Any = None) -> Any: ...

else:
    JSON = PiccoloJSON

__all__ = ["JSON"]

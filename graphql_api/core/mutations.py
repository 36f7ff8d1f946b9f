"""Shared base mutation: permission check, then one service call; Django
ValidationErrors become typed payload errors `{field, message, code}`."""

from __future__ import annotations

import graphene
from django.core.exceptions import ImproperlyConfigured, ValidationError
from graphene.utils.str_converters import to_camel_case

from .permissions import check_permissions, describe


def error_type(name: str, code_enum: type[graphene.Enum]) -> type[graphene.ObjectType]:
    return type(
        name,
        (graphene.ObjectType,),
        {
            "field": graphene.String(description="Input field in error; null for the whole input."),
            "message": graphene.String(required=True),
            "code": graphene.Field(code_enum, required=True),
            "__module__": __name__,
        },
    )


def validation_errors(exc: ValidationError) -> list[dict]:
    """Also `retry_after` (seconds) when a service put one in the error's params
    (throttle refusals); error types that declare `retryAfter` show it."""
    out = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for err in errors:
                out.append({"field": None if field == "__all__" else to_camel_case(field),
                            "message": " ".join(err.messages), "code": err.code or "INVALID",
                            "retry_after": (err.params or {}).get("retry_after")})
    else:
        for err in exc.error_list:
            out.append({"field": None, "message": " ".join(err.messages), "code": err.code or "INVALID",
                        "retry_after": (err.params or {}).get("retry_after")})
    return out


class BaseMutation(graphene.Mutation):
    permissions: tuple | None = None

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(cls, **options):
        if cls.permissions is None:
            raise ImproperlyConfigured(f"{cls.__name__} must declare `permissions`")
        super().__init_subclass_with_meta__(**options)

    @classmethod
    def Field(cls, name=None, description=None, deprecation_reason=None, required=False):  # noqa: N802  (graphene's API)
        """The root field, its description ending with who may call it."""
        return super().Field(name=name, description=describe(description or cls._meta.description, cls.permissions),
                             deprecation_reason=deprecation_reason, required=required)

    @classmethod
    def mutate(cls, root, info, **data):
        check_permissions(info, cls.permissions)
        try:
            return cls.perform_mutation(root, info, **data)
        except ValidationError as exc:
            return cls(errors=validation_errors(exc))

    @classmethod
    def perform_mutation(cls, root, info, **data):
        raise ImproperlyConfigured(f"{cls.__name__} must implement perform_mutation")

"""Types shared by the resident-services modules."""

import graphene

from apps.services.errors import ServiceErrorCode as ServiceErrorCodeModel

ServiceErrorCode = graphene.Enum.from_enum(ServiceErrorCodeModel, name="ServiceErrorCode")

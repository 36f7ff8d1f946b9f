"""Types shared by the messaging modules (outbox, content, campaigns)."""

import graphene

from apps.messaging.errors import MessagingErrorCode as MessagingErrorCodeModel
from apps.messaging.models import Channel as ChannelModel
from apps.messaging.models import MessageKind as MessageKindModel

from ..core.mutations import error_type

MessagingErrorCode = graphene.Enum.from_enum(MessagingErrorCodeModel, name="MessagingErrorCode")
MessagingError = type("MessagingError", (error_type("_MessagingErrorBase", MessagingErrorCode),), {
    "retry_after": graphene.Int(description="RATE_LIMITED: seconds until this caller may try again"),
    "__module__": __name__,
})
MessageKind = graphene.Enum.from_enum(MessageKindModel, name="MessageKind")
MessageChannel = graphene.Enum.from_enum(ChannelModel, name="MessageChannel")

import graphene


class ResidentAuthMutations(graphene.ObjectType):
    """wechatLogin, bindPhone, requestSmsCode, verifySmsCode."""

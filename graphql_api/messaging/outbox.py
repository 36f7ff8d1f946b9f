"""(skeleton, filled in by its owner: see /work/notes/issue17.md)"""

import graphene


class OutboxQueries(graphene.ObjectType):
    pass


class OutboxMutations(graphene.ObjectType):
    pass

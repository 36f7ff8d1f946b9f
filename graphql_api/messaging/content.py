"""(skeleton, filled in by its owner: see /work/notes/issue17.md)"""

import graphene


class ContentQueries(graphene.ObjectType):
    pass


class ContentMutations(graphene.ObjectType):
    pass

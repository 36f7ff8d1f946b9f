"""(skeleton, filled in by its owner: see /work/notes/issue17.md)"""

import graphene


class CampaignQueries(graphene.ObjectType):
    pass


class CampaignMutations(graphene.ObjectType):
    pass

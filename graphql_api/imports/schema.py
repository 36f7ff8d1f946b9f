import graphene


class ImportQueries(graphene.ObjectType):
    """importJob(id)."""


class ImportMutations(graphene.ObjectType):
    """startHouseImport."""

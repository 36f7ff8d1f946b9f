import graphene


class BillRunQueries(graphene.ObjectType):
    """billRun(id)."""


class BillRunMutations(graphene.ObjectType):
    """generateBills, recordMeterReading, runTrueUp."""

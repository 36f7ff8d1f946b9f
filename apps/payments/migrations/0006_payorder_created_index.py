from django.db import migrations, models


class Migration(migrations.Migration):
    """The staff order list (console orders page) sorts every order newest first by (created_at, id) and
    reads one page: without a matching index PostgreSQL sorted all orders for each page."""

    dependencies = [("payments", "0005_counter_request_no")]

    operations = [
        migrations.AddIndex(
            model_name="paymentorder",
            index=models.Index(fields=["-created_at", "-id"], name="payorder_created_id"),
        ),
    ]

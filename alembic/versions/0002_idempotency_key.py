"""Containers remember the Idempotency-Key of their create request.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("containers") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(255),
                                   nullable=True))
        batch.create_unique_constraint(
            "uniq_containers0project_id0idempotency_key",
            ["project_id", "idempotency_key"])


def downgrade():
    with op.batch_alter_table("containers") as batch:
        batch.drop_constraint("uniq_containers0project_id0idempotency_key",
                              type_="unique")
        batch.drop_column("idempotency_key")

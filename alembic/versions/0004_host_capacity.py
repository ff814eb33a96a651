"""Host capacity and claims: what each conductor host may give out, what is
given out, and each container's share.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("memory_mb", sa.Integer()))
        batch.add_column(sa.Column("cpus", sa.Double()))
        batch.add_column(sa.Column("labels", sa.JSON()))
        batch.add_column(sa.Column("memory_used_mb", sa.Integer(),
                                   nullable=False, server_default="0"))
        batch.add_column(sa.Column("cpu_used", sa.Double(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("container_count", sa.Integer(),
                                   nullable=False, server_default="0"))
    with op.batch_alter_table("containers") as batch:
        batch.add_column(sa.Column("claim_memory_mb", sa.Integer()))
        batch.add_column(sa.Column("claim_cpu", sa.Double()))


def downgrade():
    with op.batch_alter_table("containers") as batch:
        batch.drop_column("claim_cpu")
        batch.drop_column("claim_memory_mb")
    with op.batch_alter_table("services") as batch:
        for column in ("container_count", "cpu_used", "memory_used_mb",
                       "labels", "cpus", "memory_mb"):
            batch.drop_column(column)

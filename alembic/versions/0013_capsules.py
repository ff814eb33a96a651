"""Capsules: a capsule is a row of its own kind (its sandbox container,
which holds the capsule's claim), and its members are rows that name it.

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("containers") as batch:
        batch.add_column(sa.Column("kind", sa.String(32), nullable=False,
                                   server_default="container"))
        batch.add_column(sa.Column("capsule_id", sa.String(36),
                                   nullable=True))
        batch.add_column(sa.Column("annotations", sa.JSON(), nullable=True))
        batch.create_index("containers_capsule_id_idx", ["capsule_id"])


def downgrade():
    with op.batch_alter_table("containers") as batch:
        batch.drop_index("containers_capsule_id_idx")
        batch.drop_column("annotations")
        batch.drop_column("capsule_id")
        batch.drop_column("kind")

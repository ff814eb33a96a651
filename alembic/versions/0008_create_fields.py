"""More of Zun's create body, kept with the record: the entrypoint
(1.40), privileged (1.21) and the OCI runtime (1.5).

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("containers") as batch:
        batch.add_column(sa.Column("entrypoint", sa.JSON()))
        batch.add_column(sa.Column("privileged", sa.Boolean(),
                                   nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("runtime", sa.String(64)))


def downgrade():
    with op.batch_alter_table("containers") as batch:
        batch.drop_column("runtime")
        batch.drop_column("privileged")
        batch.drop_column("entrypoint")

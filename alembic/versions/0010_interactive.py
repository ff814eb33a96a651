"""Interactive containers: stdin kept open (interactive) and a TTY.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("containers") as batch:
        batch.add_column(sa.Column("interactive", sa.Boolean(),
                                   nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("tty", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("containers") as batch:
        batch.drop_column("tty")
        batch.drop_column("interactive")

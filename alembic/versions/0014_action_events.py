"""An action's events: the steps its conductor took, each with its times
and result, as Zun's action detail shows them.

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("container_actions") as batch:
        batch.add_column(sa.Column("events", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("container_actions") as batch:
        batch.drop_column("events")

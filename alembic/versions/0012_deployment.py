"""The deployment's identity: made once, here, and kept. Every Docker
container a conductor makes carries it, and a conductor only ever removes
containers that carry its own (two deployments may share an engine).

Revision ID: 0012
Revises: 0011
"""
import datetime
import uuid

from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "deployment",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.bulk_insert(table, [{
        "id": str(uuid.uuid4()),
        "created_at": datetime.datetime.now(
            datetime.timezone.utc).replace(tzinfo=None)}])


def downgrade():
    op.drop_table("deployment")

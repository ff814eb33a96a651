"""Image pulls: which project pulled which image onto a host, with a
registry login or not (the cached copy of a private image is not another
project's).

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "image_pulls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("image_id", sa.String(255), nullable=False),
        sa.Column("repository", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("host", "image_id", "project_id",
                            name="uniq_image_pulls0host0image_id0project_id"),
    )


def downgrade():
    op.drop_table("image_pulls")

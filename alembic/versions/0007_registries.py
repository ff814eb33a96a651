"""Private registries (Zun 1.30): a project's registry records, with the
password encrypted (magnum_lite/secret.py); the registry a container
pulls from (Zun 1.31's registry_id).

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "registries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255)),
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("username", sa.String(255)),
        sa.Column("password", sa.Text()),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime()),
        sa.UniqueConstraint("uuid", name="uniq_registries0uuid"))
    op.create_index("registries_project_id_idx", "registries",
                    ["project_id"])
    with op.batch_alter_table("containers") as batch:
        batch.add_column(sa.Column("registry_id", sa.String(36)))


def downgrade():
    with op.batch_alter_table("containers") as batch:
        batch.drop_column("registry_id")
    op.drop_index("registries_project_id_idx", "registries")
    op.drop_table("registries")

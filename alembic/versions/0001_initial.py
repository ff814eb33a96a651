"""The first schema: containers, their actions, and the conductor services.

Revision ID: 0001
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# On MySQL/MariaDB, whatever the server's defaults: InnoDB for transactions;
# 4-byte UTF-8, since names, labels and environments are any Unicode; a
# binary collation, so that "web" and "Web" are two names there as they are
# on PostgreSQL and SQLite (and in Docker).
MYSQL = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4",
         "mysql_collate": "utf8mb4_bin"}


def upgrade():
    op.create_table(
        "containers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("image", sa.String(255), nullable=False),
        sa.Column("command", sa.JSON, nullable=True),
        sa.Column("cpu", sa.Double, nullable=True),
        sa.Column("memory", sa.Integer, nullable=True),
        sa.Column("environment", sa.JSON, nullable=True),
        sa.Column("labels", sa.JSON, nullable=True),
        sa.Column("workdir", sa.String(255), nullable=True),
        sa.Column("hostname", sa.String(63), nullable=True),
        sa.Column("restart_policy", sa.JSON, nullable=True),
        sa.Column("image_pull_policy", sa.String(20), nullable=True),
        sa.Column("auto_remove", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_reason", sa.Text, nullable=True),
        sa.Column("status_detail", sa.String(255), nullable=True),
        sa.Column("task_state", sa.String(20), nullable=True),
        sa.Column("container_id", sa.String(64), nullable=True),
        sa.Column("host", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("uuid", name="uniq_containers0uuid"),
        sa.UniqueConstraint("project_id", "name",
                            name="uniq_containers0project_id0name"),
        **MYSQL,
    )
    op.create_index("ix_containers_host", "containers", ["host"])

    op.create_table(
        "container_actions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("container_uuid", sa.String(36), nullable=False),
        sa.Column("action", sa.String(255), nullable=False),
        sa.Column("request_id", sa.String(255), nullable=True),
        sa.Column("project_id", sa.String(255), nullable=True),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("start_time", sa.DateTime, nullable=False),
        sa.Column("finish_time", sa.DateTime, nullable=True),
        sa.Column("result", sa.String(20), nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        **MYSQL,
    )
    op.create_index("ix_container_actions_container_uuid",
                    "container_actions", ["container_uuid"])

    op.create_table(
        "services",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("binary", sa.String(255), nullable=False),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("disabled_reason", sa.String(255), nullable=True),
        sa.Column("report_count", sa.Integer, nullable=False),
        sa.Column("engine_info", sa.JSON, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("host", "binary",
                            name="uniq_services0host0binary"),
        **MYSQL,
    )


def downgrade():
    op.drop_table("services")
    op.drop_index("ix_container_actions_container_uuid",
                  table_name="container_actions")
    op.drop_table("container_actions")
    op.drop_index("ix_containers_host", table_name="containers")
    op.drop_table("containers")

"""Consent per person: consents, lawful bases and break-glass name the people they cover;
recipients and categories move from JSON lists into tables (so the access policy filters in
SQL); the register of information sharing agreements, cited by lawful bases and routing rules;
signed copies of consent forms; notifications name the people their content is about.

Data: each consent covers the person it was recorded for (as given, self or parent/carer); a
lawful basis covers the person it named or, when it named nobody, every member of its family at
the time of the upgrade (what it covered before); a break-glass covers every member of its
family. Recipients and categories are copied row by row; a recipient organisation that no longer
exists is dropped (it could not have matched anyone).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 04:51:33.319143
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sharing_agreements',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('purposes', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.String(length=32), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_sharing_agreements_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sharing_agreements')),
    sa.UniqueConstraint('name', name=op.f('uq_sharing_agreements_name'))
    )
    with op.batch_alter_table('sharing_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sharing_agreements_ends_on'), ['ends_on'], unique=False)

    op.create_table('agreement_parties',
    sa.Column('agreement_id', sa.String(length=32), nullable=False),
    sa.Column('organisation_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['sharing_agreements.id'], name=op.f('fk_agreement_parties_agreement_id_sharing_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_agreement_parties_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('agreement_id', 'organisation_id', name=op.f('pk_agreement_parties'))
    )
    with op.batch_alter_table('agreement_parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_parties_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('break_glass_people',
    sa.Column('break_glass_id', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['break_glass_id'], ['break_glass.id'], name=op.f('fk_break_glass_people_break_glass_id_break_glass'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_break_glass_people_person_id_people')),
    sa.PrimaryKeyConstraint('break_glass_id', 'person_id', name=op.f('pk_break_glass_people'))
    )
    with op.batch_alter_table('break_glass_people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_break_glass_people_person_id'), ['person_id'], unique=False)

    op.create_table('consent_categories',
    sa.Column('consent_id', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_consent_categories_consent_id_consents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('consent_id', 'category', name=op.f('pk_consent_categories'))
    )
    op.create_table('consent_documents',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('consent_id', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('uploaded_by_id', sa.String(length=32), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_consent_documents_consent_id_consents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_consent_documents_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_documents'))
    )
    with op.batch_alter_table('consent_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_documents_consent_id'), ['consent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_documents_uploaded_at'), ['uploaded_at'], unique=False)

    op.create_table('consent_people',
    sa.Column('consent_id', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.String(length=32), nullable=False),
    sa.Column('given_by_relationship', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_consent_people_consent_id_consents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_consent_people_person_id_people')),
    sa.PrimaryKeyConstraint('consent_id', 'person_id', name=op.f('pk_consent_people'))
    )
    with op.batch_alter_table('consent_people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_people_person_id'), ['person_id'], unique=False)

    op.create_table('consent_recipients',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('consent_id', sa.String(length=32), nullable=False),
    sa.Column('organisation_id', sa.String(length=32), nullable=True),
    sa.Column('organisation_type', sa.String(length=32), nullable=True),
    sa.CheckConstraint('(organisation_id IS NULL) <> (organisation_type IS NULL)', name=op.f('ck_consent_recipients_one_recipient')),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_consent_recipients_consent_id_consents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_consent_recipients_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_recipients'))
    )
    with op.batch_alter_table('consent_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_recipients_consent_id'), ['consent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_recipients_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_recipients_organisation_type'), ['organisation_type'], unique=False)

    op.create_table('lawful_basis_categories',
    sa.Column('lawful_basis_id', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['lawful_basis_id'], ['lawful_bases.id'], name=op.f('fk_lawful_basis_categories_lawful_basis_id_lawful_bases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('lawful_basis_id', 'category', name=op.f('pk_lawful_basis_categories'))
    )
    op.create_table('lawful_basis_people',
    sa.Column('lawful_basis_id', sa.String(length=32), nullable=False),
    sa.Column('person_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['lawful_basis_id'], ['lawful_bases.id'], name=op.f('fk_lawful_basis_people_lawful_basis_id_lawful_bases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_lawful_basis_people_person_id_people')),
    sa.PrimaryKeyConstraint('lawful_basis_id', 'person_id', name=op.f('pk_lawful_basis_people'))
    )
    with op.batch_alter_table('lawful_basis_people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lawful_basis_people_person_id'), ['person_id'], unique=False)

    op.create_table('lawful_basis_recipients',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('lawful_basis_id', sa.String(length=32), nullable=False),
    sa.Column('organisation_id', sa.String(length=32), nullable=True),
    sa.Column('organisation_type', sa.String(length=32), nullable=True),
    sa.CheckConstraint('(organisation_id IS NULL) <> (organisation_type IS NULL)', name=op.f('ck_lawful_basis_recipients_one_recipient')),
    sa.ForeignKeyConstraint(['lawful_basis_id'], ['lawful_bases.id'], name=op.f('fk_lawful_basis_recipients_lawful_basis_id_lawful_bases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_lawful_basis_recipients_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lawful_basis_recipients'))
    )
    with op.batch_alter_table('lawful_basis_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lawful_basis_recipients_lawful_basis_id'), ['lawful_basis_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lawful_basis_recipients_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lawful_basis_recipients_organisation_type'), ['organisation_type'], unique=False)

    _copy_grants_into_tables()

    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('given_by_person_id', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_consents_given_by_person_id_people'), 'people', ['given_by_person_id'], ['id'])
        batch_op.drop_column('recipient_org_types')
        batch_op.drop_column('recipient_org_ids')
        batch_op.drop_column('categories')

    with op.batch_alter_table('lawful_bases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreement_id', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_lawful_bases_agreement_id'), ['agreement_id'], unique=False)
        batch_op.drop_constraint(batch_op.f('fk_lawful_bases_person_id_people'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_lawful_bases_agreement_id_sharing_agreements'), 'sharing_agreements', ['agreement_id'], ['id'])
        batch_op.drop_column('recipient_org_types')
        batch_op.drop_column('person_id')
        batch_op.drop_column('recipient_org_ids')
        batch_op.drop_column('categories')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_ids', sa.JSON(), nullable=True))

    with op.batch_alter_table('routing_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreement_id', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_routing_rules_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_routing_rules_agreement_id_sharing_agreements'), 'sharing_agreements', ['agreement_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('person_ids')

    with op.batch_alter_table('routing_rules', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_routing_rules_agreement_id_sharing_agreements'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_routing_rules_agreement_id'))
        batch_op.drop_column('agreement_id')

    with op.batch_alter_table('lawful_bases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('categories', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('recipient_org_ids', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('person_id', sa.VARCHAR(length=32), nullable=True))
        batch_op.add_column(sa.Column('recipient_org_types', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.drop_constraint(batch_op.f('fk_lawful_bases_agreement_id_sharing_agreements'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_lawful_bases_person_id_people'), 'people', ['person_id'], ['id'])
        batch_op.drop_index(batch_op.f('ix_lawful_bases_agreement_id'))
        batch_op.drop_column('agreement_id')

    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('categories', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('recipient_org_ids', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('recipient_org_types', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.drop_constraint(batch_op.f('fk_consents_given_by_person_id_people'), type_='foreignkey')
        batch_op.drop_column('given_by_person_id')

    _copy_grants_back_to_lists()

    with op.batch_alter_table('lawful_basis_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lawful_basis_recipients_organisation_type'))
        batch_op.drop_index(batch_op.f('ix_lawful_basis_recipients_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_lawful_basis_recipients_lawful_basis_id'))

    op.drop_table('lawful_basis_recipients')
    with op.batch_alter_table('lawful_basis_people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lawful_basis_people_person_id'))

    op.drop_table('lawful_basis_people')
    op.drop_table('lawful_basis_categories')
    with op.batch_alter_table('consent_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_recipients_organisation_type'))
        batch_op.drop_index(batch_op.f('ix_consent_recipients_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_consent_recipients_consent_id'))

    op.drop_table('consent_recipients')
    with op.batch_alter_table('consent_people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_people_person_id'))

    op.drop_table('consent_people')
    with op.batch_alter_table('consent_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_documents_uploaded_at'))
        batch_op.drop_index(batch_op.f('ix_consent_documents_consent_id'))

    op.drop_table('consent_documents')
    op.drop_table('consent_categories')
    with op.batch_alter_table('break_glass_people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_break_glass_people_person_id'))

    op.drop_table('break_glass_people')
    with op.batch_alter_table('agreement_parties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_parties_organisation_id'))

    op.drop_table('agreement_parties')
    with op.batch_alter_table('sharing_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sharing_agreements_ends_on'))

    op.drop_table('sharing_agreements')


# --- data ---------------------------------------------------------------------------------------

def _grant_tables():
    """Lightweight table descriptions for the data steps (never the application's models,
    which change after this revision)."""
    json_cols = lambda: [sa.column('recipient_org_ids', sa.JSON), sa.column('recipient_org_types', sa.JSON),
                         sa.column('categories', sa.JSON)]
    return {
        "consents": sa.table('consents', sa.column('id'), sa.column('person_id'),
                             sa.column('given_by_relationship'), *json_cols()),
        "lawful_bases": sa.table('lawful_bases', sa.column('id'), sa.column('family_id'), sa.column('person_id'),
                                 *json_cols()),
        "break_glass": sa.table('break_glass', sa.column('id'), sa.column('family_id')),
        "family_members": sa.table('family_members', sa.column('family_id'), sa.column('person_id')),
        "organisations": sa.table('organisations', sa.column('id')),
        "consent_people": sa.table('consent_people', sa.column('consent_id'), sa.column('person_id'),
                                   sa.column('given_by_relationship'), sa.column('position')),
        "consent_recipients": sa.table('consent_recipients', sa.column('id'), sa.column('consent_id'),
                                       sa.column('organisation_id'), sa.column('organisation_type')),
        "consent_categories": sa.table('consent_categories', sa.column('consent_id'), sa.column('category')),
        "lawful_basis_people": sa.table('lawful_basis_people', sa.column('lawful_basis_id'), sa.column('person_id')),
        "lawful_basis_recipients": sa.table('lawful_basis_recipients', sa.column('id'), sa.column('lawful_basis_id'),
                                            sa.column('organisation_id'), sa.column('organisation_type')),
        "lawful_basis_categories": sa.table('lawful_basis_categories', sa.column('lawful_basis_id'),
                                            sa.column('category')),
        "break_glass_people": sa.table('break_glass_people', sa.column('break_glass_id'), sa.column('person_id')),
    }


def _copy_grants_into_tables() -> None:
    import uuid

    bind = op.get_bind()
    t = _grant_tables()
    orgs = set(bind.execute(sa.select(t["organisations"].c.id)).scalars())
    members: dict[str, list[str]] = {}
    for family_id, person_id in bind.execute(sa.select(t["family_members"].c.family_id,
                                                       t["family_members"].c.person_id)):
        members.setdefault(family_id, []).append(person_id)

    def recipients(key, owner, row):
        return ([{"id": uuid.uuid4().hex, key: owner, "organisation_id": org_id, "organisation_type": None}
                 for org_id in sorted(set(row.recipient_org_ids or [])) if org_id in orgs]
                + [{"id": uuid.uuid4().hex, key: owner, "organisation_id": None, "organisation_type": kind}
                   for kind in sorted(set(row.recipient_org_types or []))])

    people, sent_to, categories = [], [], []
    for row in bind.execute(sa.select(t["consents"])):
        people.append({"consent_id": row.id, "person_id": row.person_id,
                       "given_by_relationship": row.given_by_relationship, "position": 0})
        sent_to += recipients("consent_id", row.id, row)
        categories += [{"consent_id": row.id, "category": c} for c in sorted(set(row.categories or []))]
    for name, rows in (("consent_people", people), ("consent_recipients", sent_to), ("consent_categories", categories)):
        if rows:
            bind.execute(t[name].insert(), rows)

    people, sent_to, categories = [], [], []
    for row in bind.execute(sa.select(t["lawful_bases"])):
        covered = [row.person_id] if row.person_id else members.get(row.family_id, [])
        people += [{"lawful_basis_id": row.id, "person_id": p} for p in sorted(set(covered))]
        sent_to += recipients("lawful_basis_id", row.id, row)
        categories += [{"lawful_basis_id": row.id, "category": c} for c in sorted(set(row.categories or []))]
    for name, rows in (("lawful_basis_people", people), ("lawful_basis_recipients", sent_to),
                       ("lawful_basis_categories", categories)):
        if rows:
            bind.execute(t[name].insert(), rows)

    rows = [{"break_glass_id": glass_id, "person_id": p}
            for glass_id, family_id in bind.execute(sa.select(t["break_glass"].c.id, t["break_glass"].c.family_id))
            for p in sorted(set(members.get(family_id, [])))]
    if rows:
        bind.execute(t["break_glass_people"].insert(), rows)


def _copy_grants_back_to_lists() -> None:
    bind = op.get_bind()
    t = _grant_tables()
    for owner, key, recipients_table, categories_table in (
            ("consents", "consent_id", "consent_recipients", "consent_categories"),
            ("lawful_bases", "lawful_basis_id", "lawful_basis_recipients", "lawful_basis_categories")):
        ids: dict[str, list] = {}
        types: dict[str, list] = {}
        cats: dict[str, list] = {}
        r = t[recipients_table]
        for owner_id, org_id, kind in bind.execute(sa.select(r.c[key], r.c.organisation_id, r.c.organisation_type)):
            if org_id:
                ids.setdefault(owner_id, []).append(org_id)
            if kind:
                types.setdefault(owner_id, []).append(kind)
        c = t[categories_table]
        for owner_id, category in bind.execute(sa.select(c.c[key], c.c.category)):
            cats.setdefault(owner_id, []).append(category)
        table = t[owner]
        for owner_id in set(ids) | set(types) | set(cats):
            bind.execute(table.update().where(table.c.id == owner_id).values(
                recipient_org_ids=sorted(ids.get(owner_id, [])), recipient_org_types=sorted(types.get(owner_id, [])),
                categories=sorted(cats.get(owner_id, []))))
    # A lawful basis that named exactly one person names them again; wider ones name nobody
    # (the family-wide meaning they had before).
    lb, people = t["lawful_bases"], t["lawful_basis_people"]
    covered: dict[str, list[str]] = {}
    for basis_id, person_id in bind.execute(sa.select(people.c.lawful_basis_id, people.c.person_id)):
        covered.setdefault(basis_id, []).append(person_id)
    for basis_id, persons in covered.items():
        if len(persons) == 1:
            bind.execute(lb.update().where(lb.c.id == basis_id).values(person_id=persons[0]))

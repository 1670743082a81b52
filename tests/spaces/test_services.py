"""Services of processes, phases, categories, scopes, components and roles (no client)."""

from decide.spaces.models import Role


def test_the_factories_build_a_process_with_what_it_holds(create_process, create_phase,
                                                          create_component, create_scope,
                                                          create_category, grant, user):
    scope = create_scope()
    process = create_process(scope_id=scope.id)
    first = create_phase(process, active=True)
    second = create_phase(process)
    component = create_component(process)
    parent = create_category(process)
    child = create_category(process, parent=parent)
    grant(user, process, Role.MODERATOR)
    assert process.is_published and process.scope == scope
    assert process.phases == [first, second] and first.active and not second.active
    assert process.components == [component] and component.is_published
    assert child.parent == parent and process.categories == [parent, child]
    assert [(r.user, r.role) for r in process.roles] == [(user, "moderator")]
    assert user.is_staff

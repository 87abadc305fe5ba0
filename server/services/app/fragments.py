"""AppService RPCs. Fragments and machine summaries."""

from __future__ import annotations

from generated.viam.app.v1 import app_pb2 as pb
from generated.viam.app.v1 import robot_pb2
from server.domain import fragments, summaries
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.domain.errors import InvalidArgument
from server.domain.fragments import FragmentView, Resolved, RevisionView, Usage
from server.domain.summaries import LocationSummaryView
from server.services import convert
from server.services.convert import optional_datetime, optional_string, optional_struct, struct, timestamp
from server.services.rpc import rpc

ORG, ROBOT = ResourceType.ORGANIZATION, ResourceType.ROBOT
READ, WRITE, AUTHENTICATED = Permission.READ, Permission.WRITE, Permission.AUTHENTICATED

_VISIBILITY_TO_PB = {
    fragments.PRIVATE: pb.FRAGMENT_VISIBILITY_PRIVATE,
    fragments.PUBLIC: pb.FRAGMENT_VISIBILITY_PUBLIC,
    fragments.UNLISTED: pb.FRAGMENT_VISIBILITY_PUBLIC_UNLISTED,
}
_VISIBILITY_FROM_PB = {value: key for key, value in _VISIBILITY_TO_PB.items()}
_ERRORS = {
    "no_access": pb.FRAGMENT_ERROR_TYPE_NO_ACCESS,
    "nesting": pb.FRAGMENT_ERROR_TYPE_NESTING_LIMIT_EXCEEDED,
    "invalid": pb.FRAGMENT_ERROR_TYPE_CHILD_ID_INVALID,
    "cycle": pb.FRAGMENT_ERROR_TYPE_CYCLE_DETECTED,
}
_EDITOR_TYPES = {"api-key": pb.AUTHENTICATION_TYPE_API_KEY, "user": pb.AUTHENTICATION_TYPE_WEB_OAUTH}


def _visibility(value: int, field: str = "visibility") -> str | None:
    """None for UNSPECIFIED."""
    if value == pb.FRAGMENT_VISIBILITY_UNSPECIFIED:
        return None
    if value not in _VISIBILITY_FROM_PB:
        raise InvalidArgument(field, f"unknown visibility {value}")
    return _VISIBILITY_FROM_PB[value]


def fragment_message(view: FragmentView) -> pb.Fragment:
    message = pb.Fragment(
        id=view.id,
        name=view.name,
        fragment=struct(view.config),
        organization_owner=view.organization_id,
        public=view.visibility == fragments.PUBLIC,
        created_on=timestamp(view.created_on),
        organization_name=view.organization_name,
        robot_part_count=view.usage.parts,
        organization_count=view.usage.organizations,
        only_used_by_owner=view.only_used_by_owner,
        visibility=_VISIBILITY_TO_PB[view.visibility],
        last_updated=timestamp(view.last_updated),
        revision=str(view.revision),
        fragment_config_json=view.config_json,
    )
    if view.public_namespace:
        message.public_namespace = view.public_namespace
    return message


def usage_message(fragment_id: str, usage: Usage) -> pb.FragmentUsage:
    message = pb.FragmentUsage(
        fragment_id=fragment_id,
        organizations=usage.organizations,
        machines=usage.machines,
        machines_in_current_org=usage.machines_in_owner_org,
    )
    if usage.version is not None:
        message.version = usage.version
    return message


def _history_entry(fragment_id: str, revision: RevisionView, view: FragmentView) -> pb.FragmentHistoryEntry:
    old = fragment_message(view)
    old.name = revision.name
    old.visibility = _VISIBILITY_TO_PB[revision.visibility]
    old.public = revision.visibility == fragments.PUBLIC
    old.fragment.CopyFrom(struct(revision.config))
    old.revision = str(revision.revision)
    old.last_updated.CopyFrom(timestamp(revision.created_on))
    old.ClearField("fragment_config_json")
    return pb.FragmentHistoryEntry(
        fragment=fragment_id,
        edited_on=timestamp(revision.created_on),
        old=old,
        edited_by=pb.AuthenticatorInfo(
            type=_EDITOR_TYPES.get(revision.editor_type, pb.AUTHENTICATION_TYPE_UNSPECIFIED), value=revision.editor_name
        ),
        revision=str(revision.revision),
        config=struct(revision.config),
    )


def _tags(tags: list[tuple[str, int]]) -> list[pb.FragmentTag]:
    return [pb.FragmentTag(tag=tag, revision=str(revision)) for tag, revision in tags]


def _additional(items: list[pb.AdditionalFragment], ids: list[str] = ()) -> list[tuple[str, str | None]]:  # type: ignore[assignment]
    out: list[tuple[str, str | None]] = [(fragment_id, None) for fragment_id in ids]
    for item in items:
        if not item.fragment_id:
            raise InvalidArgument("additional_fragments", "fragment_id is required")
        out.append((item.fragment_id, item.version if item.HasField("version") and item.version else None))
    return out


def _resolved(items: list[Resolved]) -> list[pb.ResolvedFragment]:
    out = []
    for item in items:
        message = pb.ResolvedFragment(fragment_id=item.fragment_id)
        if item.error is not None:
            message.error.CopyFrom(pb.FragmentError(error_type=_ERRORS[item.error], fragment_id=item.fragment_id, detail=item.detail))
        else:
            message.resolved_config.CopyFrom(struct(item.config))
            message.revision = str(item.revision)
        out.append(message)
    return out


def summaries_message(locations: list[LocationSummaryView]) -> pb.ListMachineSummariesResponse:
    response = pb.ListMachineSummariesResponse()
    states = convert.ONLINE_STATES
    for location in locations:
        loc = response.location_summaries.add(location_id=location.id, location_name=location.name)
        for machine in location.machines:
            summary = loc.machine_summaries.add(machine_id=machine.id, machine_name=machine.name)
            for part in machine.parts:
                message = summary.part_summaries.add(
                    part_id=part.id,
                    part_name=part.name,
                    is_main_part=part.main_part,
                    online_state=states[part.online_state],
                    seconds_since_online=part.seconds_since_online,
                    dns_name=part.dns_name,
                    fragments=[pb.FragmentSummary(id=i, name=n) for i, n in part.fragments],
                )
                if part.last_access is not None:
                    stamp = timestamp(part.last_access)
                    message.last_access.CopyFrom(stamp)
                    message.last_online.CopyFrom(stamp)
                if part.agent_info:
                    agent = robot_pb2.AgentInfo.FromString(part.agent_info)
                    if agent.os:
                        message.os = agent.os
                    if agent.platform:
                        message.platform = agent.platform
    return response


class FragmentRpcs:
    @rpc(WRITE, ORG, "organization_id", keeps_access=True)
    def CreateFragment(self, ctx: DomainContext, request: pb.CreateFragmentRequest) -> pb.CreateFragmentResponse:
        visibility = _visibility(request.visibility) if request.HasField("visibility") else None
        view = fragments.create_fragment(ctx, request.organization_id, request.name, optional_struct(request, "config"), visibility)
        return pb.CreateFragmentResponse(fragment=fragment_message(view))

    # Public fragments are readable by anyone authenticated: the domain checks access.
    @rpc(AUTHENTICATED)
    def GetFragment(self, ctx: DomainContext, request: pb.GetFragmentRequest) -> pb.GetFragmentResponse:
        view, revisions, tags = fragments.get_fragment(ctx, request.id, optional_string(request, "version"))
        return pb.GetFragmentResponse(
            fragment=fragment_message(view),
            fragment_usage=usage_message(view.id, view.usage),
            revisions=[pb.FragmentRevision(revision=str(number), created_at=timestamp(created)) for number, created in revisions],
            tags=_tags(tags),
        )

    @rpc(AUTHENTICATED, write=True, keeps_access=True)
    def UpdateFragment(self, ctx: DomainContext, request: pb.UpdateFragmentRequest) -> pb.UpdateFragmentResponse:
        visibility = _visibility(request.visibility) if request.HasField("visibility") else None
        if visibility is None and request.HasField("public"):
            visibility = fragments.PUBLIC if request.public else fragments.PRIVATE
        view = fragments.update_fragment(
            ctx,
            request.id,
            request.name,
            config=optional_struct(request, "config"),
            config_json=optional_string(request, "fragment_config_json"),
            visibility=visibility,
            last_known_update=optional_datetime(request, "last_known_update"),
        )
        return pb.UpdateFragmentResponse(fragment=fragment_message(view))

    @rpc(AUTHENTICATED, write=True)
    def DeleteFragment(self, ctx: DomainContext, request: pb.DeleteFragmentRequest) -> pb.DeleteFragmentResponse:
        fragments.delete_fragment(ctx, request.id)
        return pb.DeleteFragmentResponse()

    @rpc(READ, ORG, "organization_id")
    def ListFragments(self, ctx: DomainContext, request: pb.ListFragmentsRequest) -> pb.ListFragmentsResponse:
        visibilities = [v for v in (_visibility(value, "fragment_visibility") for value in request.fragment_visibility) if v]
        views = fragments.list_fragments(ctx, request.organization_id, request.show_public, visibilities)
        return pb.ListFragmentsResponse(
            fragments=[fragment_message(v) for v in views], fragment_usages=[usage_message(v.id, v.usage) for v in views]
        )

    @rpc(AUTHENTICATED)
    def GetFragmentHistory(self, ctx: DomainContext, request: pb.GetFragmentHistoryRequest) -> pb.GetFragmentHistoryResponse:
        page = fragments.fragment_history(ctx, request.id, request.page_token, request.page_limit)
        if page.fragment is None:
            return pb.GetFragmentHistoryResponse()
        return pb.GetFragmentHistoryResponse(
            history=[_history_entry(request.id, entry, page.fragment) for entry in page.entries],
            next_page_token=page.next_page_token,
        )

    @rpc(AUTHENTICATED)
    def GetFragmentUsage(self, ctx: DomainContext, request: pb.GetFragmentUsageRequest) -> pb.GetFragmentUsageResponse:
        usages = fragments.fragment_usage(ctx, request.fragment_id)
        return pb.GetFragmentUsageResponse(version_usages=[usage_message(request.fragment_id, u) for u in usages])

    @rpc(AUTHENTICATED, write=True, keeps_access=True)
    def SetFragmentTag(self, ctx: DomainContext, request: pb.SetFragmentTagRequest) -> pb.SetFragmentTagResponse:
        return pb.SetFragmentTagResponse(tags=_tags(fragments.set_tag(ctx, request.fragment_id, request.tag, request.revision)))

    @rpc(AUTHENTICATED, write=True, keeps_access=True)
    def DeleteFragmentTag(self, ctx: DomainContext, request: pb.DeleteFragmentTagRequest) -> pb.DeleteFragmentTagResponse:
        return pb.DeleteFragmentTagResponse(tags=_tags(fragments.delete_tag(ctx, request.fragment_id, request.tag)))

    @rpc(AUTHENTICATED)
    def ListNestedFragments(self, ctx: DomainContext, request: pb.ListNestedFragmentsRequest) -> pb.ListNestedFragmentsResponse:
        views, resolved = fragments.nested_fragments(
            ctx, optional_string(request, "fragment_id"), _additional(list(request.additional_fragments))
        )
        return pb.ListNestedFragmentsResponse(fragments=[fragment_message(v) for v in views], resolved_fragments=_resolved(resolved))

    @rpc(READ, ROBOT, "machine_id")
    def ListMachineFragments(self, ctx: DomainContext, request: pb.ListMachineFragmentsRequest) -> pb.ListMachineFragmentsResponse:
        additional = _additional(list(request.additional_fragments), list(request.additional_fragment_ids))
        views, resolved = fragments.machine_fragments(ctx, request.machine_id, additional)
        return pb.ListMachineFragmentsResponse(fragments=[fragment_message(v) for v in views], resolved_fragments=_resolved(resolved))

    @rpc(READ, ORG, "organization_id")
    def ListMachineSummaries(self, ctx: DomainContext, request: pb.ListMachineSummariesRequest) -> pb.ListMachineSummariesResponse:
        locations = summaries.machine_summaries(
            ctx,
            request.organization_id,
            list(request.fragment_ids),
            list(request.location_ids),
            request.limit if request.HasField("limit") else None,
        )
        return summaries_message(locations)

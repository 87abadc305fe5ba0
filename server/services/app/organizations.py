"""AppService RPCs. Organizations: create, read, update, delete, namespace and metadata."""

from __future__ import annotations

from generated.viam.app.v1 import app_pb2 as pb
from server.domain import metadata, organizations
from server.domain.access import Permission, ResourceType
from server.domain.context import DomainContext
from server.domain.organizations import DefaultFragments, OrganizationChanges
from server.services import convert
from server.services.convert import optional_string, optional_struct
from server.services.rpc import rpc

ORG = ResourceType.ORGANIZATION
READ, WRITE, AUTHENTICATED = Permission.READ, Permission.WRITE, Permission.AUTHENTICATED


def _serialized(request: pb.UpdateOrganizationRequest, field: str) -> bytes | None:
    return getattr(request, field).SerializeToString(deterministic=True) if request.HasField(field) else None


def _default_fragments(request: pb.UpdateOrganizationRequest) -> DefaultFragments | None:
    serialized = _serialized(request, "default_fragments")
    if serialized is None:
        return None
    references = [{"fragment_id": f.fragment_id, "version": f.version} for f in request.default_fragments.fragments]
    return DefaultFragments(references, serialized)


class OrganizationRpcs:
    @rpc(AUTHENTICATED, write=True)
    def CreateOrganization(self, ctx: DomainContext, request: pb.CreateOrganizationRequest) -> pb.CreateOrganizationResponse:
        return pb.CreateOrganizationResponse(organization=convert.organization(organizations.create_organization(ctx, request.name)))

    @rpc(AUTHENTICATED)
    def ListOrganizations(self, ctx: DomainContext, request: pb.ListOrganizationsRequest) -> pb.ListOrganizationsResponse:
        return pb.ListOrganizationsResponse(organizations=[convert.organization(o) for o in organizations.list_organizations(ctx)])

    @rpc(READ, ORG, "organization_id")
    def GetOrganization(self, ctx: DomainContext, request: pb.GetOrganizationRequest) -> pb.GetOrganizationResponse:
        return pb.GetOrganizationResponse(organization=convert.organization(organizations.get_organization(ctx, request.organization_id)))

    @rpc(AUTHENTICATED)
    def GetOrganizationNamespaceAvailability(
        self, ctx: DomainContext, request: pb.GetOrganizationNamespaceAvailabilityRequest
    ) -> pb.GetOrganizationNamespaceAvailabilityResponse:
        available = organizations.namespace_available(ctx, request.public_namespace)
        return pb.GetOrganizationNamespaceAvailabilityResponse(available=available)

    @rpc(WRITE, ORG, "organization_id")
    def UpdateOrganization(self, ctx: DomainContext, request: pb.UpdateOrganizationRequest) -> pb.UpdateOrganizationResponse:
        changes = OrganizationChanges(
            name=optional_string(request, "name"),
            public_namespace=optional_string(request, "public_namespace"),
            region=optional_string(request, "region"),
            cid=optional_string(request, "cid"),
            default_fragments=_default_fragments(request),
            allowed_login_methods=_serialized(request, "allowed_login_methods"),
        )
        updated = organizations.update_organization(ctx, request.organization_id, changes)
        return pb.UpdateOrganizationResponse(organization=convert.organization(updated))

    @rpc(WRITE, ORG, "organization_id")
    def DeleteOrganization(self, ctx: DomainContext, request: pb.DeleteOrganizationRequest) -> pb.DeleteOrganizationResponse:
        organizations.delete_organization(ctx, request.organization_id)
        return pb.DeleteOrganizationResponse()

    @rpc(READ, ORG, "organization_id")
    def GetOrganizationMetadata(self, ctx: DomainContext, request: pb.GetOrganizationMetadataRequest) -> pb.GetOrganizationMetadataResponse:
        return pb.GetOrganizationMetadataResponse(data=convert.struct(metadata.get_metadata(ctx, ORG, request.organization_id)))

    @rpc(WRITE, ORG, "organization_id", keeps_access=True)
    def UpdateOrganizationMetadata(
        self, ctx: DomainContext, request: pb.UpdateOrganizationMetadataRequest
    ) -> pb.UpdateOrganizationMetadataResponse:
        metadata.update_metadata(ctx, ORG, request.organization_id, optional_struct(request))
        return pb.UpdateOrganizationMetadataResponse()

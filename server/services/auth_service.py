"""proto.rpc.v1.AuthService: credentials in, access token out."""

from __future__ import annotations

import grpc

from generated.proto.rpc.v1 import auth_pb2 as pb
from generated.proto.rpc.v1 import auth_pb2_grpc
from server.db.engine import unit_of_work
from server.domain.authentication import authenticate, writes_on_success
from server.domain.errors import InvalidArgument
from server.services.rpc import Servicer, default_deadline, has_authorization, reject_undecodable, run_mapped


class AuthService(Servicer, auth_pb2_grpc.AuthServiceServicer):
    @default_deadline
    async def Authenticate(self, request: pb.AuthenticateRequest, context: grpc.aio.ServicerContext) -> pb.AuthenticateResponse:
        runtime = self.runtime

        def issue() -> pb.AuthenticateResponse:
            reject_undecodable(request)
            if has_authorization(context.invocation_metadata() or ()):
                raise InvalidArgument("authorization", "this call already carries credentials; Authenticate takes none")
            credential_type = request.credentials.type
            with unit_of_work(runtime.engine, write=writes_on_success(credential_type)) as session:
                caller = authenticate(session, runtime.facts.secret_box, credential_type, request.entity, request.credentials.payload)
            token = runtime.signer.issue(caller.identity_id, caller.identity_type, credential_id=caller.credential_id)
            return pb.AuthenticateResponse(access_token=token)

        return await run_mapped(context, issue)

using GoChatAi.AuthService.Application;
using GoChatAi.Contracts.Auth.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace GoChatAi.AuthService.Grpc;

/// <summary>Reading and managing accounts over gRPC and REST: a user itself, or an admin.</summary>
[Authorize]
public sealed class UserGrpcService(AccountService accounts) : UserService.UserServiceBase
{
    public override async Task<ListUsersResponse> ListUsers(ListUsersRequest request, ServerCallContext context)
    {
        var (users, total, page, limit) = await accounts.ListAsync(context.GetCaller(),
            request.HasPage ? request.Page : null, request.HasLimit ? request.Limit : null, context.CancellationToken);
        return new ListUsersResponse { Users = { users.Select(u => u.ToProto()) }, TotalCount = total, Page = page, Limit = limit };
    }

    public override async Task<User> GetMe(GetMeRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        return (await accounts.GetAsync(caller, caller.UserId, context.CancellationToken)).ToProto();
    }

    public override async Task<User> GetUser(GetUserRequest request, ServerCallContext context) =>
        (await accounts.GetAsync(context.GetCaller(), request.ToUserId(), context.CancellationToken)).ToProto();

    public override async Task<User> UpdateUser(UpdateUserRequest request, ServerCallContext context) =>
        (await accounts.UpdateAsync(context.GetCaller(), request.ToCommand(), context.GetClientAddress(), context.CancellationToken)).ToProto();

    public override async Task<Empty> DeleteUser(DeleteUserRequest request, ServerCallContext context)
    {
        await accounts.DeleteAsync(context.GetCaller(), request.ToUserId(), context.GetClientAddress(), context.CancellationToken);
        return new Empty();
    }
}

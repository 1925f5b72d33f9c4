using Grpc.Core;

namespace GoChatAi.Benchmarks;

/// <summary>A failure in one line, for the notes under a table: a gRPC status says more than its exception type.</summary>
public static class ErrorText
{
    public static string Describe(Exception exception) => exception switch
    {
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        _ => $"{exception.GetType().Name}: {exception.Message}",
    };
}

using GoChatAi.Web.Backend;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace GoChatAi.Tests.Unit;

/// <summary>A failed call as the page says it: the services' sentences for people, a plain one for everything else.</summary>
public sealed class ProblemMessageTests
{
    [Theory]
    [InlineData(12, "Too many requests: at most 60 a minute. Try again shortly. (you can try again in 12 s)")]
    [InlineData(25 * 60, "Too many requests: at most 60 a minute. Try again shortly. (you can try again in 25 min)")]
    [InlineData(7 * 3600 - 30, "Too many requests: at most 60 a minute. Try again shortly. (you can try again in 7 h)")]
    public void A_limit_says_when_it_lifts(int seconds, string expected)
    {
        var status = new Google.Rpc.Status { Code = (int)Code.ResourceExhausted, Message = "Too many requests: at most 60 a minute. Try again shortly." };
        status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds)) }));

        Assert.Equal(expected, ProblemMessage.For(status.ToRpcException()));
    }

    [Fact]
    public void A_field_rule_is_said_as_a_sentence_per_field()
    {
        var status = new Google.Rpc.Status { Code = (int)Code.InvalidArgument, Message = "The request is not valid." };
        status.Details.Add(Any.Pack(new BadRequest
        {
            FieldViolations =
            {
                new BadRequest.Types.FieldViolation { Field = "message", Description = "must be at most 32000 characters" },
                new BadRequest.Types.FieldViolation { Field = "max_tokens", Description = "must be from 1 to 4096" },
            },
        }));

        Assert.Equal("The message must be at most 32000 characters. The max tokens must be from 1 to 4096.", ProblemMessage.For(status.ToRpcException()));
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, "Error connecting to subchannel. (SocketException: Connection refused)", ProblemMessage.Unavailable)]
    [InlineData(StatusCode.DeadlineExceeded, "Deadline Exceeded", ProblemMessage.TimedOut)]
    [InlineData(StatusCode.Internal, "System.NullReferenceException at GoChatAi.ChatService...", ProblemMessage.Unexpected)]
    [InlineData(StatusCode.Unknown, "Exception was thrown by handler.", ProblemMessage.Unexpected)]
    [InlineData(StatusCode.FailedPrecondition, "An answer is already being written in this conversation.", "An answer is already being written in this conversation.")]
    public void Transport_and_internal_failures_get_a_plain_sentence_and_leak_nothing(StatusCode code, string detail, string expected) =>
        Assert.Equal(expected, ProblemMessage.For(new RpcException(new Grpc.Core.Status(code, detail))));
}

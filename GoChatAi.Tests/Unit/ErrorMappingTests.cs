using System.Text.Json;
using GoChatAi.Contracts.Chat.V1;
using GoChatAi.ServiceDefaults.Errors;
using GoChatAi.ServiceDefaults.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StackExchange.Redis;

namespace GoChatAi.Tests.Unit;

/// <summary>The one error mapping: which failures are a dependency's, what a caller is told, and what a REST body may be.</summary>
public sealed class ErrorMappingTests
{
    public static TheoryData<Exception, string?> Failures => new()
    {
        { new RedisConnectionException(ConnectionFailureType.UnableToConnect, "no route"), DependencyFailure.Cache },
        { new RedisTimeoutException("Timeout awaiting response", CommandStatus.Sent), DependencyFailure.Cache },
        { new InvalidOperationException("not connected") { Source = "StackExchange.Redis" }, DependencyFailure.Cache },
        { new NpgsqlException("Exception while reading from stream", new TimeoutException()), DependencyFailure.Database },
        { new DbUpdateException("save failed", new NpgsqlException("broken", new IOException())), DependencyFailure.Database },
        { new PostgresException("terminating connection", "FATAL", "FATAL", PostgresErrorCodes.AdminShutdown), DependencyFailure.Database },
        { new DependencyUnavailableException(DependencyFailure.Cache, "rebuilding"), DependencyFailure.Cache },
        // The request's own fault, or nothing a dependency did.
        { new PostgresException("duplicate key", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation), null },
        { new TimeoutException("the model was silent"), null },
        { new InvalidOperationException("a bug"), null },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void A_failure_is_a_dependency_s_only_when_it_comes_from_one(Exception exception, string? dependency) =>
        Assert.Equal(dependency, DependencyFailure.Of(exception));

    [Fact]
    public void A_dependency_failure_is_unavailable_with_a_retry_hint_and_names_nothing_internal()
    {
        var error = ServiceErrors.Classify(new RedisTimeoutException("Timeout awaiting response (outbound=1KiB)", CommandStatus.Sent), NullLogger.Instance, "test");

        Assert.Equal(ErrorKind.Unavailable, error.Kind);
        Assert.NotNull(error.RetryAfter);
        Assert.DoesNotContain("Redis", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Timeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Anything_unexpected_is_internal_and_says_nothing_of_itself()
    {
        var error = ServiceErrors.Classify(new InvalidOperationException("secret detail"), NullLogger.Instance, "test");

        Assert.Equal(ErrorKind.Internal, error.Kind);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"message":"hi","maxTokens":99999999999}""", "max_tokens")]
    [InlineData("""{"message":"hi","maxTokens":1.5}""", "max_tokens")]
    [InlineData("""{"message":"hi","max_tokens":"many"}""", "max_tokens")]
    [InlineData("""{"message":"hi","temperature":true}""", "temperature")]
    [InlineData("""{"message":12}""", "message")]
    [InlineData("""{"message":"lone \ud800 surrogate"}""", "message")]
    [InlineData("""{"message":"one","message":"two"}""", "message")]
    [InlineData("""{"message":"one","conversationId":"a","conversation_id":"b"}""", "conversation_id")]
    [InlineData("""{"message":"hi","roles":["admin"]}""", "roles")]
    public void A_body_field_the_message_would_not_accept_is_named(string json, string field)
    {
        var violations = new List<FieldViolation>();
        using var document = JsonDocument.Parse(json);

        ProtoJsonShape.CheckObject(document.RootElement, ChatWithAIRequest.Descriptor, violations);

        Assert.Equal(field, Assert.Single(violations).Field);
    }

    [Theory]
    [InlineData("""{"message":"hi","maxTokens":"256","temperature":"NaN","conversation_id":null}""")]
    [InlineData("""{"message":"hi","max_tokens":1e2,"temperature":0.7}""")]
    public void What_proto3_json_allows_passes(string json)
    {
        var violations = new List<FieldViolation>();
        using var document = JsonDocument.Parse(json);

        ProtoJsonShape.CheckObject(document.RootElement, ChatWithAIRequest.Descriptor, violations);

        Assert.Empty(violations);
    }
}

using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace GoChatAi.AppHost;

/// <summary>How much of the services' tracing reaches the dashboard.</summary>
public static class ServiceTelemetry
{
    /// <summary>The share of traces kept, from 0 to 1 (the <c>--Telemetry:TraceSampleRatio</c> argument); all when unset.</summary>
    public const string SampleRatioKey = "Telemetry:TraceSampleRatio";

    /// <summary>
    /// In development Aspire traces every request and puts the model's prompts and answers in the spans: right for
    /// following one request, heavy under load (the dashboard then uses as much CPU as the services). With a ratio
    /// below 1, as a production deployment would run, a share of the traces is kept and the texts are left out.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithTraceSampling(this IResourceBuilder<ProjectResource> service)
    {
        var configured = service.ApplicationBuilder.Configuration[SampleRatioKey];
        if (configured is null)
        {
            return service;
        }

        if (!double.TryParse(configured, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) || ratio is < 0 or > 1)
        {
            throw new InvalidOperationException($"{SampleRatioKey} must be a number from 0 to 1, not '{configured}'.");
        }

        return service.WithEnvironment(context =>
        {
            // Set after Aspire's own defaults, which these replace.
            context.EnvironmentVariables["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio";
            context.EnvironmentVariables["OTEL_TRACES_SAMPLER_ARG"] = ratio.ToString(CultureInfo.InvariantCulture);
            context.EnvironmentVariables["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = "false";
        });
    }
}

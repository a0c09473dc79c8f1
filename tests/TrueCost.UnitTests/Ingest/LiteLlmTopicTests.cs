using TrueCost.Contracts;
using TrueCost.Ingest.Pipeline;

namespace TrueCost.UnitTests.Ingest;

public class LiteLlmTopicTests
{
    [Theory]
    [InlineData("otlp_spans")]
    [InlineData(Topics.RequestLogs)]
    public void A_litellm_topic_that_is_another_sources_topic_fails_at_start(string topic)
    {
        var options = new IngestOptions { LiteLlm = { Topic = topic } };

        var e = Assert.Throws<InvalidOperationException>(options.ValidateValues);

        Assert.Equal($"Ingest:LiteLlm:Topic '{topic}' is another source's topic; LiteLLM payloads need their own", e.Message);
    }

    [Fact]
    public void The_default_litellm_options_are_valid_and_name_their_own_topic()
    {
        var options = new IngestOptions();

        options.ValidateValues();

        Assert.DoesNotContain(options.LiteLlm.Topic, Topics.All.Concat([options.Otlp.SpansTopic, options.Otlp.MetricsTopic]));
    }
}

using System.Text;
using Streaming.Ingest.Http;

namespace Streaming.Tests;

public sealed class BodySplitterTests
{
    [Fact]
    public void Ndjson_keeps_each_line_exactly_and_skips_blank_lines()
    {
        var records = BodySplitter.SplitNdjson("{\"a\":1}\r\n\n  \n{\"b\": 2}\nnot json"u8);
        Assert.Equal(["{\"a\":1}", "{\"b\": 2}", "not json"], records.Select(r => Encoding.UTF8.GetString(r)));
    }

    [Fact]
    public void Json_array_is_cut_into_its_elements_with_their_exact_bytes()
    {
        var records = BodySplitter.SplitJson(" [ {\"a\": [1, {\"x\":2}]} , 5, \"s\" ] "u8)!;
        Assert.Equal(["{\"a\": [1, {\"x\":2}]}", "5", "\"s\""], records.Select(r => Encoding.UTF8.GetString(r)));
    }

    [Fact]
    public void A_lone_object_is_one_record_and_a_broken_array_is_none()
    {
        Assert.Single(BodySplitter.SplitJson("{\"a\":1}"u8)!);
        Assert.Null(BodySplitter.SplitJson("[{\"a\":1}, {\"b\":"u8));
        Assert.Null(BodySplitter.SplitJson("[{\"a\":1}] trailing"u8));
        Assert.Empty(BodySplitter.SplitJson("[]"u8)!);
        Assert.Empty(BodySplitter.SplitJson(" \n "u8)!);
    }
}

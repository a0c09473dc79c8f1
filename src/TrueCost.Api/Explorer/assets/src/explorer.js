// The cost explorer's charts: each [data-chart] element is drawn by Apache ECharts from the JSON data island its
// data-chart attribute names. A drawn chart gets data-rendered="true" (the browser tests and the benchmark wait for
// it) and a performance mark "truecost:chart-drawn:<id>" (User Timing; the benchmark reads it). Buttons with data-copy copy the text of the element they name. esbuild bundles this file with only the parts
// of ECharts it uses (npm run build, run by the API project's build), which the browser parses in a third of the time
// of the full library.
import * as echarts from "echarts/core";
import { BarChart, HeatmapChart } from "echarts/charts";
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, HeatmapChart, AriaComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

{
  // Okabe–Ito: told apart with the common colour-vision deficiencies; decals add patterns on top.
  const palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999"];
  const money = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function stacked(spec) {
    return {
      color: palette,
      aria: { enabled: true, decal: { show: true } },
      animation: false,
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        valueFormatter: (v) => money.format(v) + " " + spec.currency,
      },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.x },
      yAxis: { type: "value", name: spec.currency, axisLabel: { formatter: (v) => money.format(v) } },
      series: spec.series.map((s) => ({ name: s.name, type: "bar", stack: "cost", emphasis: { focus: "series" }, data: s.values.map(Number) })),
    };
  }

  function heatmap(spec) {
    return {
      aria: { enabled: true },
      animation: false,
      tooltip: {
        formatter: (p) => spec.y[p.value[1]] + ", " + spec.x[p.value[0]] + ": " + p.value[2] + " %",
      },
      grid: { left: 8, right: 16, top: 8, bottom: 64, containLabel: true },
      xAxis: { type: "category", data: spec.x, splitArea: { show: true } },
      yAxis: { type: "category", data: spec.y, splitArea: { show: true } },
      visualMap: {
        min: 0, max: spec.max, calculable: true, orient: "horizontal", left: "center", bottom: 0,
        text: [spec.max + " %", "0 %"], inRange: { color: ["#f7fbff", "#6baed6", "#08306b"] },
      },
      series: [{ name: spec.label, type: "heatmap", data: spec.cells, emphasis: { itemStyle: { borderColor: "#000", borderWidth: 1 } } }],
    };
  }

  function draw(element) {
    const island = document.getElementById(element.dataset.chart);
    if (!island) {
      element.textContent = "The chart could not be drawn; its data is in the table below.";
      return;
    }

    const spec = JSON.parse(island.textContent);
    const chart = echarts.init(element, null, { renderer: "canvas" });
    chart.on("finished", () => {
      if (!element.dataset.rendered) {
        element.dataset.rendered = "true";
        // When the chart was first drawn, from the start of the navigation: the benchmark's first-view figure.
        performance.mark("truecost:chart-drawn:" + element.id);
      }
    });
    chart.setOption(spec.kind === "heatmap" ? heatmap(spec) : stacked(spec));
    window.addEventListener("resize", () => chart.resize());
  }

  function copy(button) {
    const source = document.getElementById(button.dataset.copy);
    const status = document.getElementById(button.getAttribute("aria-describedby"));
    const done = (text) => { if (status) { status.textContent = text; } };
    navigator.clipboard.writeText(source.textContent).then(
      () => done("Copied to the clipboard."),
      () => {
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        done("Selected: press Ctrl+C to copy.");
      });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-chart]").forEach(draw);
    document.querySelectorAll("button[data-copy]").forEach((b) => b.addEventListener("click", () => copy(b)));
  });
}

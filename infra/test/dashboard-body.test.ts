import { describe, expect, it } from "vitest";
import { DASHBOARD_TOKENS, type DashboardToken, renderDashboard } from "../dashboard-body";

const values = Object.fromEntries(DASHBOARD_TOKENS.map((token) => [token, `${token}-value`])) as Record<
  DashboardToken,
  string
>;

describe("the CloudWatch dashboard body", () => {
  it("fills in this deployment's names", () => {
    const text = JSON.stringify({
      widgets: [
        {
          type: "metric",
          properties: {
            region: "{{region}}",
            metrics: [["AWS/Lambda", "Errors", "FunctionName", "{{ dailyFunction }}"]],
          },
        },
      ],
    });
    const body = JSON.parse(renderDashboard(text, values, "dashboards/stagekeeper.json"));
    expect(body.widgets[0].properties.region).toBe("region-value");
    expect(body.widgets[0].properties.metrics[0][3]).toBe("dailyFunction-value");
  });

  it("fails the deploy on an unknown placeholder, naming it", () => {
    expect(() => renderDashboard('{"widgets": ["{{dailyFunctoin}}"]}', values, "d.json")).toThrow(
      /d\.json: unknown placeholder \{\{dailyFunctoin\}\}/,
    );
  });

  it("fails the deploy on a body that is not a dashboard", () => {
    expect(() => renderDashboard("{", values, "d.json")).toThrow(/d\.json: is not valid JSON/);
    expect(() => renderDashboard("[]", values, "d.json")).toThrow(/"widgets" list/);
  });
});

// The Grafana dashboard shipped with the umbrella chart, as code: each panel is one PromQL query over
// the metrics the services expose (the end-to-end test checks every metric named here exists).
interface Panel {
  title: string;
  expr: string;
  legend: string;
  unit: string;
}

export const PANELS: Panel[] = [
  {
    title: 'Events ingested by kind',
    expr: 'sum by (kind) (rate(parley_ingest_events_total[5m]))',
    legend: '{{kind}}',
    unit: 'ops',
  },
  {
    title: 'Appservice transaction acknowledgement p99',
    expr: 'histogram_quantile(0.99, sum by (le) (rate(parley_ingest_transaction_seconds_bucket[5m])))',
    legend: 'p99',
    unit: 's',
  },
  {
    title: 'Records produced by topic',
    expr: 'sum by (topic) (rate(parley_kafka_records_produced_total[5m]))',
    legend: '{{topic}}',
    unit: 'ops',
  },
  {
    title: 'Dead-lettered records by topic',
    expr: 'sum by (topic) (rate(parley_kafka_records_produced_total{topic=~".*dlq"}[5m]))',
    legend: '{{topic}}',
    unit: 'ops',
  },
  {
    title: 'Messages consumed by topic',
    expr: 'sum by (topic) (rate(parley_kafka_messages_consumed_total[5m]))',
    legend: '{{topic}}',
    unit: 'ops',
  },
  {
    title: 'Consumer lag by partition',
    expr: 'max by (topic, partition) (parley_kafka_consumer_lag)',
    legend: '{{topic}} / {{partition}}',
    unit: 'short',
  },
  {
    title: 'Ollama call latency p50 / p95',
    expr: 'histogram_quantile(0.95, sum by (le) (rate(parley_ollama_request_seconds_bucket[5m])))',
    legend: 'p95',
    unit: 's',
  },
  {
    title: 'Ollama tokens',
    expr: 'sum by (kind) (rate(parley_ollama_tokens_total[5m]))',
    legend: '{{kind}}',
    unit: 'short',
  },
  {
    title: 'Classifier cache hit ratio',
    expr: 'sum(rate(parley_classifier_cache_requests_total{result="hit"}[5m])) / sum(rate(parley_classifier_cache_requests_total[5m]))',
    legend: 'hit ratio',
    unit: 'percentunit',
  },
  {
    title: 'Classifier input by outcome',
    expr: 'sum by (outcome) (rate(parley_classifier_messages_total[5m]))',
    legend: '{{outcome}}',
    unit: 'ops',
  },
  {
    title: 'Twenty requests by status',
    expr: 'sum by (status) (rate(parley_crm_requests_total[5m]))',
    legend: '{{status}}',
    unit: 'reqps',
  },
  {
    title: 'CRM writes by outcome',
    expr: 'sum by (outcome) (rate(parley_crm_classifications_total[5m]))',
    legend: '{{outcome}}',
    unit: 'ops',
  },
  {
    title: 'First response time p90 by channel',
    expr: 'histogram_quantile(0.9, sum by (le, channel) (rate(parley_conversation_first_response_seconds_bucket[1h])))',
    legend: '{{channel}}',
    unit: 's',
  },
  {
    title: 'Resolution time p90 by channel',
    expr: 'histogram_quantile(0.9, sum by (le, channel) (rate(parley_conversation_resolution_seconds_bucket[1h])))',
    legend: '{{channel}}',
    unit: 's',
  },
  {
    title: 'Open conversations by channel',
    expr: 'sum by (channel) (parley_conversations_open)',
    legend: '{{channel}}',
    unit: 'short',
  },
  {
    title: 'Conversations missing a target (last 24 h)',
    expr: 'sum by (channel, target) (increase(parley_conversation_targets_breached_total[1d]))',
    legend: '{{channel}} {{target}}',
    unit: 'short',
  },
  {
    title: 'Customer messages by sentiment per day',
    expr: 'sum by (sentiment) (increase(parley_customer_messages_total[1d]))',
    legend: '{{sentiment}}',
    unit: 'short',
  },
  {
    title: 'Top intents this week',
    expr: 'topk(10, sum by (intent) (increase(parley_customer_messages_total[7d])))',
    legend: '{{intent}}',
    unit: 'short',
  },
  {
    title: 'Top keywords this week',
    expr: 'topk(20, max by (keyword) (parley_keyword_messages_week))',
    legend: '{{keyword}}',
    unit: 'short',
  },
];

/** Metric names the dashboard queries (histograms by their base name). */
export function dashboardMetrics(): string[] {
  const names = PANELS.flatMap((p) => [...p.expr.matchAll(/parley_[a-z_]+/g)].map((m) => m[0].replace(/_bucket$/, '')));
  return [...new Set(names)].sort();
}

export function grafanaDashboard(): Record<string, unknown> {
  return {
    title: 'Parley',
    uid: 'parley-overview',
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    tags: ['parley'],
    templating: {
      list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' }],
    },
    panels: PANELS.map((panel, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: panel.title,
      datasource: { type: 'prometheus', uid: '${datasource}' },
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
      targets: [{ refId: 'A', expr: panel.expr, legendFormat: panel.legend }],
    })),
  };
}

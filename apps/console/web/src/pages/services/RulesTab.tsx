// @access serviceSettings
// Room-temperature rules (室温标准): the company's rules with their effective dates and bands; a new rule starts
// from a city template (Beijing, Tianjin, Harbin, Xi'an, Jinan, Linyi, with the regulation they come from);
// the editor checks the bands as the API does and shows the API's own refusals (overlapping dates, bands)
// under their fields.
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Col, DatePicker, Drawer, Dropdown, Form, Input, InputNumber, Row, Select, Space, Table, Tag, TimePicker, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { ApiError, request } from '../../api/client';
import { useT } from '../../i18n';
import { bandProblems, bandsText, formPath, ruleInput, ruleValues, type Rule, type RuleValues } from './rules';
import { QualityRulesDoc, SaveQualityRuleDoc } from './settingsDocuments';

type FormValues = Omit<RuleValues, 'effectiveFrom' | 'effectiveTo' | 'noMeasureFrom' | 'noMeasureTo'> & {
  effectiveFrom?: Dayjs | null;
  effectiveTo?: Dayjs | null;
  noMeasureFrom?: Dayjs | null;
  noMeasureTo?: Dayjs | null;
};

const FEE_BASE: Record<string, [string, string]> = {
  FULL: ['全部热费', 'The whole fee'],
  EXCLUDING_BASIC: ['扣除基本热费后的热费', 'The fee less the basic fee'],
  AFFECTED_AREA: ['仅不达标房间面积', "Only the affected rooms' area"],
};

function toForm(v: RuleValues): FormValues {
  const time = (s?: string | null) => (s ? dayjs(`2000-01-01T${s}`) : null);
  return {
    ...v,
    effectiveFrom: v.effectiveFrom ? dayjs(v.effectiveFrom) : null,
    effectiveTo: v.effectiveTo ? dayjs(v.effectiveTo) : null,
    noMeasureFrom: time(v.noMeasureFrom),
    noMeasureTo: time(v.noMeasureTo),
  };
}

function fromForm(f: FormValues): RuleValues {
  return {
    ...f,
    effectiveFrom: f.effectiveFrom ? f.effectiveFrom.format('YYYY-MM-DD') : undefined,
    effectiveTo: f.effectiveTo ? f.effectiveTo.format('YYYY-MM-DD') : null,
    noMeasureFrom: f.noMeasureFrom ? f.noMeasureFrom.format('HH:mm') : null,
    noMeasureTo: f.noMeasureTo ? f.noMeasureTo.format('HH:mm') : null,
  };
}

export function RuleEditor({ editing, onClose, onSaved }: { editing: { id: string | null; values: RuleValues } | null; onClose: () => void; onSaved: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const [general, setGeneral] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);

  const save = async () => {
    setGeneral([]);
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    const problems = bandProblems(values.bands);
    if (problems.length) {
      form.setFields(problems.map((p) => ({ name: ['bands', p.index, p.field], errors: [t(...p.message)] })) as Parameters<typeof form.setFields>[0]);
      return;
    }
    setSaving(true);
    try {
      const res = (await request(SaveQualityRuleDoc, { id: editing?.id ?? null, input: ruleInput(fromForm(values)) })).saveQualityRule;
      if (res?.errors.length) {
        const onFields = res.errors.filter((e) => e.field && e.field !== 'id');
        form.setFields(onFields.map((e) => ({ name: formPath(e.field as string), errors: [e.message] })) as Parameters<typeof form.setFields>[0]);
        setGeneral(res.errors.filter((e) => !e.field || e.field === 'id' || e.field === 'bands').map((e) => e.message));
        return;
      }
      message.success(t('已保存室温标准', 'Rule saved'));
      onSaved();
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Drawer
      open={editing !== null}
      onClose={onClose}
      width="min(760px, 100vw)"
      destroyOnHidden
      title={editing?.id ? t('修改室温标准', 'Edit rule') : t('新建室温标准', 'New rule')}
      extra={
        <Button type="primary" loading={saving} onClick={save} data-testid="rule-save">
          {t('保存', 'Save')}
        </Button>
      }
    >
      {editing && (
        <Form<FormValues> form={form} layout="vertical" initialValues={toForm(editing.values)} data-testid="rule-form">
          {general.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={general.join(' ')} data-testid="rule-error" />}
          <Row gutter={12}>
            <Col xs={24} md={16}>
              <Form.Item name="name" label={t('名称', 'Name')} rules={[{ required: true, whitespace: true }]}>
                <Input data-testid="rule-name" />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="city" label={t('城市', 'City')} rules={[{ required: true, whitespace: true }]}>
                <Input />
              </Form.Item>
            </Col>
            <Col xs={12} md={8}>
              <Form.Item name="effectiveFrom" label={t('生效日期', 'In force from')} rules={[{ required: true, message: t('请填写生效日期', 'Enter the date') }]}>
                <DatePicker style={{ width: '100%' }} data-testid="rule-effective-from" />
              </Form.Item>
            </Col>
            <Col xs={12} md={8}>
              <Form.Item name="effectiveTo" label={t('失效日期（可空）', 'Until (optional)')}>
                <DatePicker style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={12} md={8}>
              <Form.Item name="standardTemp" label={t('标准室温 (℃)', 'Standard (℃)')} rules={[{ required: true }]}>
                <Input inputMode="decimal" data-testid="rule-standard" />
              </Form.Item>
            </Col>
          </Row>
          <Typography.Title level={5}>{t('退费档位（低于标准的温差 → 退费比例）', 'Bands (degrees below standard → refund %)')}</Typography.Title>
          <Form.List name="bands">
            {(fields, { add, remove }) => (
              <>
                {fields.map((field, index) => (
                  <Space key={field.key} align="baseline" wrap data-testid={`rule-band-${index}`}>
                    <Form.Item name={[field.name, 'to']} label={index === 0 ? t('温差上限 ℃（最后一档可空）', 'Up to ℃ (last may be blank)') : undefined}>
                      <Input style={{ width: 160 }} inputMode="decimal" placeholder={t('不设上限', 'no limit')} data-testid={`rule-band-to-${index}`} />
                    </Form.Item>
                    <Form.Item name={[field.name, 'pct']} label={index === 0 ? t('退费比例 %', 'Refund %') : undefined} rules={[{ required: true, message: t('请填写比例', 'Enter the %') }]}>
                      <Input style={{ width: 120 }} inputMode="decimal" data-testid={`rule-band-pct-${index}`} />
                    </Form.Item>
                    <Button type="text" danger icon={<DeleteOutlined />} onClick={() => remove(field.name)} aria-label={t('删除档位', 'Remove band')} disabled={fields.length <= 1} />
                  </Space>
                ))}
                <Button icon={<PlusOutlined />} onClick={() => add({ to: null, pct: '' })} style={{ marginBottom: 16 }} data-testid="rule-band-add">
                  {t('添加档位', 'Add band')}
                </Button>
              </>
            )}
          </Form.List>
          <Row gutter={12}>
            <Col xs={12} md={8}>
              <Form.Item name="bandEdge" label={t('档位边界', 'Band edge')}>
                <Select
                  options={[
                    { value: 'UPPER', label: t('含上限（16℃ 属 16–18℃ 档）', 'Upper edge included') },
                    { value: 'LOWER', label: t('含下限（低 2℃ 即属 2–4℃ 档）', 'Lower edge included') },
                  ]}
                />
              </Form.Item>
            </Col>
            <Col xs={12} md={16}>
              <Form.Item name="feeBase" label={t('退费基数', 'Refund base')}>
                <Select options={Object.entries(FEE_BASE).map(([value, label]) => ({ value, label: t(...label) }))} />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name="responseHours" label={t('上门检测时限 (小时)', 'Response (h)')}>
                <InputNumber min={1} max={720} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name="graceHours" label={t('整改时限 (小时)', 'Grace (h)')}>
                <InputNumber min={0} max={720} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name="minPoints" label={t('每房间测点数', 'Points per room')}>
                <InputNumber min={1} max={10} style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name="heightM" label={t('测点高度 (m)', 'Height (m)')}>
                <Input inputMode="decimal" />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name="noMeasureFrom" label={t('不测温开始', 'No readings from')}>
                <TimePicker format="HH:mm" style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item name="noMeasureTo" label={t('不测温结束', 'No readings until')}>
                <TimePicker format="HH:mm" style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="refundDeadline" label={t('退费期限', 'Refund deadline')}>
                <Input placeholder={t('如：次年6月30日前', 'e.g. by 30 June next year')} />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name="procedure" label={t('测温规程', 'Procedure')}>
            <Input.TextArea rows={2} maxLength={500} />
          </Form.Item>
          <Form.Item name="source" label={t('依据', 'Source')}>
            <Input.TextArea rows={2} maxLength={300} />
          </Form.Item>
        </Form>
      )}
    </Drawer>
  );
}

export default function RulesTab() {
  const t = useT();
  const query = useQuery({ queryKey: ['ServiceSettingsRules'], queryFn: async () => request(QualityRulesDoc) });
  const [editing, setEditing] = useState<{ id: string | null; values: RuleValues } | null>(null);
  const templates = query.data?.cityRuleTemplates ?? [];
  const today = dayjs().format('YYYY-MM-DD');
  const inForce = (r: Rule) => !!r.effectiveFrom && r.effectiveFrom <= today && (!r.effectiveTo || r.effectiveTo >= today);

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {query.error && <Alert type="error" showIcon message={query.error instanceof ApiError ? query.error.message : String(query.error)} />}
      <Space wrap>
        <Dropdown
          trigger={['click']}
          menu={{
            items: templates.map((tpl, i) => ({ key: String(i), label: <span data-testid={`rule-template-${i}`}>{`${tpl.city} · ${tpl.name}`}</span> })),
            onClick: ({ key }) => setEditing({ id: null, values: ruleValues(templates[Number(key)]) }),
          }}
        >
          <Button type="primary" icon={<PlusOutlined />} data-testid="rule-from-template" loading={query.isLoading}>
            {t('按城市模板新建', 'New from a city template')}
          </Button>
        </Dropdown>
      </Space>
      <Table<Rule>
        rowKey={(r) => r.id ?? r.name}
        loading={query.isLoading}
        dataSource={query.data?.qualityRules ?? []}
        pagination={false}
        data-testid="rules-table"
        columns={[
          {
            title: t('名称', 'Name'),
            render: (_, r) => (
              <Space direction="vertical" size={0}>
                <Space>
                  <Typography.Link onClick={() => setEditing({ id: r.id ?? null, values: ruleValues(r) })} data-testid={`rule-${r.id}`}>
                    {r.name}
                  </Typography.Link>
                  {inForce(r) && <Tag color="green">{t('现行', 'In force')}</Tag>}
                </Space>
                <Typography.Text type="secondary">{r.city}</Typography.Text>
              </Space>
            ),
          },
          { title: t('生效期', 'In force'), render: (_, r) => `${r.effectiveFrom ?? '—'} ~ ${r.effectiveTo ?? t('长期', 'open-ended')}` },
          { title: t('标准室温', 'Standard'), render: (_, r) => `${r.standardTemp}℃` },
          { title: t('退费档位', 'Bands'), render: (_, r) => bandsText(r.bands, r.bandEdge) },
          { title: t('退费基数', 'Base'), render: (_, r) => t(...(FEE_BASE[r.feeBase] ?? [r.feeBase, r.feeBase])) },
          { title: t('上门时限', 'Response'), render: (_, r) => t(`${r.responseHours} 小时`, `${r.responseHours} h`) },
        ]}
      />
      <RuleEditor
        editing={editing}
        onClose={() => setEditing(null)}
        onSaved={() => {
          setEditing(null);
          void query.refetch();
        }}
      />
    </Space>
  );
}

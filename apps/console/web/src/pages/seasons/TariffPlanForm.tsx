// @access seasons
// Create or edit a tariff plan: every rule of the engine (area or two-part price, cap and floor, 报停 share,
// low-income relief, early-payment discount, late fee, proration, rounding, true-up). The form shows the
// settings that apply under the chosen modes, checks them as they are typed (tariffForm.ts: the API's rules),
// and puts the API's typed errors on the same fields.
import { Alert, App, Button, Col, DatePicker, Divider, Drawer, Form, Input, Row, Select, Space, Switch, Typography } from 'antd';
import type { Rule } from 'antd/es/form';
import { useEffect, useMemo, useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import { useT } from '../../i18n';
import { SaveTariffPlanDoc } from './documents';
import { AREA_BASIS, CAP_MODE, CATEGORY, LOW_INCOME, METERED_UNIT, options, PRICING, PRORATION, ROUNDING, TRUE_UP } from './labels';
import { formToInput, NEW_PLAN, planProblems, planToForm, relevant, type Plan, type PlanField, type PlanFormValues, type SeasonDates } from './tariffForm';

// Which other fields a field's checks read: a change there re-checks it.
const DEPENDS: Partial<Record<PlanField, PlanField[]>> = {
  basicUnitPrice: ['pricing'],
  meteredUnitPrice: ['pricing', 'basicUnitPrice'],
  lowIncomeUnitPrice: ['areaUnitPrice', 'lowIncomeMode'],
  lowIncomeMode: ['pricing'],
  floorUnitPrice: ['basicUnitPrice'],
  earlyDiscountFrom: ['earlyDiscountUntil', 'earlyDiscountPct'],
  earlyDiscountUntil: ['earlyDiscountFrom', 'earlyDiscountPct'],
};

export interface TariffPlanFormProps {
  open: boolean;
  seasonId: string;
  season: SeasonDates;
  /** null: a new plan */
  plan: Plan | null;
  onClose: () => void;
  onSaved: () => void;
}

export function TariffPlanForm({ open, seasonId, season, plan, onClose, onSaved }: TariffPlanFormProps) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<PlanFormValues>();
  const [busy, setBusy] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  // Only the settings that decide which others apply are watched: typing a price does not re-render the form.
  const modes: PlanFormValues = {
    pricing: Form.useWatch('pricing', { form, preserve: true }),
    capMode: Form.useWatch('capMode', { form, preserve: true }),
    lowIncomeMode: Form.useWatch('lowIncomeMode', { form, preserve: true }),
    earlyDiscountPct: Form.useWatch('earlyDiscountPct', { form, preserve: true }),
    lateFeeDailyPermille: Form.useWatch('lateFeeDailyPermille', { form, preserve: true }),
    meteredUnit: Form.useWatch('meteredUnit', { form, preserve: true }),
  };
  const all = modes.pricing === undefined ? undefined : modes;
  const shown = useMemo(
    () => relevant(all ?? NEW_PLAN),
    [all?.pricing, all?.capMode, all?.lowIncomeMode, all?.earlyDiscountPct, all?.lateFeeDailyPermille],
  );

  const initial = useMemo(() => (plan ? planToForm(plan) : NEW_PLAN), [plan]);
  useEffect(() => {
    if (open) setGeneral([]);
  }, [open]);

  /** The rules of one field: its error, then (not blocking) its warning, both from planProblems. */
  const rules = (field: PlanField): Rule[] => [
    ({ getFieldsValue }) => ({
      validator: async () => {
        const problem = planProblems(getFieldsValue(true) as PlanFormValues, season, t)[field];
        if (problem?.error) throw new Error(problem.error);
      },
    }),
    ({ getFieldsValue }) => ({
      warningOnly: true,
      validator: async () => {
        const problem = planProblems(getFieldsValue(true) as PlanFormValues, season, t)[field];
        if (problem?.warning) throw new Error(problem.warning);
      },
    }),
  ];
  const item = (field: PlanField, label: string, extra?: string) => ({
    name: field,
    label,
    rules: rules(field),
    dependencies: DEPENDS[field],
    extra,
    validateFirst: true,
  });
  const decimal = (field: PlanField, label: string, unit: string, extra?: string) =>
    shown.has(field) && (
      <Form.Item {...item(field, label, extra)}>
        <Input inputMode="decimal" suffix={unit} autoComplete="off" data-testid={`plan-${field}`} />
      </Form.Item>
    );
  const select = (field: PlanField, label: string, opts: { value: string; label: string }[], extra?: string) =>
    shown.has(field) && (
      <Form.Item {...item(field, label, extra)}>
        <Select options={opts} data-testid={`plan-${field}`} />
      </Form.Item>
    );

  const onFinish = async () => {
    const values = form.getFieldsValue(true) as PlanFormValues;
    setBusy(true);
    setGeneral([]);
    try {
      const { saveTariffPlan } = await request(SaveTariffPlanDoc, { seasonId, id: plan?.id ?? null, input: formToInput(values) });
      const errors = saveTariffPlan?.errors ?? [];
      if (errors.length) {
        // Errors on settings the form shows go on their field; any other is said above the form.
        const mapped = fieldErrors(errors, [...shown]);
        form.setFields(mapped.fields);
        setGeneral(mapped.general);
        return;
      }
      message.success(t('收费标准已保存', 'Tariff plan saved'));
      onSaved();
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };

  const yuanPerM2 = t('元/㎡', 'yuan/㎡');
  const unit = all?.meteredUnit === 'KWH' ? 'kWh' : 'GJ';
  return (
    <Drawer
      open={open}
      onClose={onClose}
      width={760}
      destroyOnHidden
      title={plan ? t(`编辑收费标准：${plan.name ?? ''}`, `Edit tariff plan: ${plan.name ?? ''}`) : t('新增收费标准', 'New tariff plan')}
      extra={
        <Space>
          <Button onClick={onClose}>{t('取消', 'Cancel')}</Button>
          <Button type="primary" loading={busy} onClick={() => form.submit()} data-testid="plan-save">
            {t('保存', 'Save')}
          </Button>
        </Space>
      }
      data-testid="plan-drawer"
    >
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} data-testid="plan-errors" />}
      <Form form={form} layout="vertical" initialValues={initial} onFinish={onFinish} scrollToFirstError data-testid="plan-form">
        <Row gutter={16}>
          <Col span={12}>
            <Form.Item {...item('name', t('名称', 'Name'))}>
              <Input maxLength={64} data-testid="plan-name" />
            </Form.Item>
          </Col>
          <Col span={12}>{select('category', t('适用房屋类别', 'House category'), options(CATEGORY, t))}</Col>
          <Col span={12}>
            {select('pricing', t('计价方式', 'Pricing'), options(PRICING, t), t('两部制：基本热价按面积，计量热价按热表用量', 'Two-part: a basic price per ㎡ plus a price per metered unit'))}
          </Col>
          <Col span={12}>{select('areaBasis', t('计费面积', 'Billed area'), options(AREA_BASIS, t))}</Col>
          <Col span={12}>
            {decimal('areaUnitPrice', t('面积单价（每采暖季）', 'Area price (per season)'), yuanPerM2,
              all?.pricing === 'TWO_PART' ? t('用于封顶和报停房屋的基本热费', 'Used for the cap and for opted-out (报停) houses') : undefined)}
          </Col>
          <Col span={12}>{select('proration', t('折算规则', 'Proration'), options(PRORATION, t), t('晚接入、提前停热、过户按供热天数 / 采暖季天数折算', 'Late connection, early stop or a change of owner: heating days / season days'))}</Col>
        </Row>

        {all?.pricing === 'TWO_PART' && (
          <>
            <Divider orientation="left" plain>{t('两部制计量', 'Two-part (metered)')}</Divider>
            <Row gutter={16}>
              <Col span={8}>{decimal('basicUnitPrice', t('基本热价', 'Basic price'), yuanPerM2)}</Col>
              <Col span={8}>{decimal('meteredUnitPrice', t('计量热价', 'Metered price'), t(`元/${unit}`, `yuan/${unit}`))}</Col>
              <Col span={8}>{select('meteredUnit', t('计量单位', 'Metered unit'), options(METERED_UNIT, t))}</Col>
              <Col span={12}>{select('capMode', t('封顶方式', 'Cap'), options(CAP_MODE, t))}</Col>
              <Col span={12}>{decimal('capPct', t('上浮比例', 'Cap above the area bill'), '%')}</Col>
              <Col span={12}>{decimal('floorUnitPrice', t('保底单价（可不填）', 'Floor price (optional)'), yuanPerM2, t('计量账单不低于 面积 × 保底单价', 'A metered bill is at least area × this'))}</Col>
              <Col span={12}>{select('trueUpCredit', t('多退少补的退费方式', 'Season-end true-up refunds as'), options(TRUE_UP, t))}</Col>
            </Row>
          </>
        )}

        <Divider orientation="left" plain>{t('报停与减免', 'Opt-outs and relief')}</Divider>
        <Row gutter={16}>
          <Col span={12}>{decimal('optedOutBasicPct', t('报停基本热费比例', '报停 (opted out): share still charged'), '%', t('报停房屋仍按面积热费的该比例收取', 'Opted-out houses still pay this share of the area bill'))}</Col>
          <Col span={12}>{select('lowIncomeMode', t('低保/特困减免', 'Low-income relief'), options(LOW_INCOME, t))}</Col>
          <Col span={12}>{decimal('lowIncomePct', t('减免比例', 'Relief'), '%')}</Col>
          <Col span={12}>{decimal('lowIncomeUnitPrice', t('优惠单价', 'Relief price'), yuanPerM2)}</Col>
        </Row>

        <Divider orientation="left" plain>{t('早缴优惠', 'Early-payment discount')}</Divider>
        <Row gutter={16}>
          <Col span={8}>{decimal('earlyDiscountPct', t('优惠比例', 'Discount'), '%', t('0 表示没有早缴优惠', '0: no discount'))}</Col>
          {shown.has('earlyDiscountFrom') && (
            <>
              <Col span={8}>
                <Form.Item {...item('earlyDiscountFrom', t('开始日（可不填，默认供暖开始）', 'From (optional: heating start)'))}>
                  <DatePicker style={{ width: '100%' }} data-testid="plan-earlyDiscountFrom" />
                </Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item {...item('earlyDiscountUntil', t('截止日', 'Until'), t(`须早于违约金起算日 ${season.lateFeeStart}`, `Before late fees start (${season.lateFeeStart})`))}>
                  <DatePicker style={{ width: '100%' }} data-testid="plan-earlyDiscountUntil" />
                </Form.Item>
              </Col>
            </>
          )}
        </Row>

        <Divider orientation="left" plain>{t('违约金', 'Late fee')}</Divider>
        <Row gutter={16}>
          <Col span={8}>{decimal('lateFeeDailyPermille', t('日费率', 'Daily rate'), '‰', t(`自 ${season.lateFeeStart} 起按未缴本金计收；0 表示不收`, `On unpaid principal from ${season.lateFeeStart}; 0: none`))}</Col>
          <Col span={8}>{decimal('lateFeeCapPct', t('上限（占未缴本金）', 'Cap (of unpaid principal)'), '%')}</Col>
          {shown.has('lateFeePauseWhenStopped') && (
            <Col span={8}>
              <Form.Item name="lateFeePauseWhenStopped" label={t('停热期间暂停计收', 'Paused while heat is stopped')} valuePropName="checked">
                <Switch data-testid="plan-lateFeePauseWhenStopped" />
              </Form.Item>
            </Col>
          )}
        </Row>

        <Divider orientation="left" plain>{t('计算', 'Arithmetic')}</Divider>
        <Row gutter={16}>
          <Col span={12}>{select('rounding', t('舍入方式（每行金额舍入到分）', 'Rounding (each line, to the fen)'), options(ROUNDING, t))}</Col>
        </Row>
        <Typography.Paragraph type="secondary">
          {t('修改收费标准不影响已出账单：每张账单保存了出账时的收费参数。', 'Editing a plan never changes issued bills: each keeps the parameters it was computed with.')}
        </Typography.Paragraph>
      </Form>
    </Drawer>
  );
}

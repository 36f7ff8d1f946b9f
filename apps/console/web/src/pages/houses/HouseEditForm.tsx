// @access houses.edit
// Edit a house (admin). Only the fields the user changed are sent, so a value nobody touched is never
// written back; rules check as you type, and the API's typed errors land on the field they name.
import { DrawerForm, ProFormDigit, ProFormSelect, ProFormText } from '@ant-design/pro-components';
import { Alert, App, Button, Form, type FormInstance } from 'antd';
import { useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import { graphql } from '../../gql/tenant';
import type { HouseCategory, HouseInput, LowIncome } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { CATEGORIES, LOW_INCOMES, categoryText, lowIncomeText } from './labels';

export const UpdateHouseDoc = graphql(`
  mutation HouseEditSave($id: ID!, $input: HouseInput!) {
    updateHouse(id: $id, input: $input) {
      house {
        id accountNo address room buildingArea usableArea category lowIncome meterNo ownerName ownerPhone ownerIdNo
      }
      errors { field message code }
    }
  }
`);

export interface EditableHouse {
  id: string;
  accountNo: string;
  room: string;
  buildingArea: string;
  usableArea: string | null;
  category: HouseCategory;
  lowIncome: LowIncome;
  meterNo: string;
  ownerName: string;
  ownerPhone: string;
  ownerIdNo: string;
}

export interface HouseFormValues {
  room: string;
  buildingArea: number | string | null;
  usableArea: number | string | null;
  category: HouseCategory;
  lowIncome: LowIncome;
  meterNo: string;
  ownerName: string;
  ownerPhone: string;
  ownerIdNo: string;
}

const FIELDS = ['room', 'buildingArea', 'usableArea', 'category', 'lowIncome', 'meterNo', 'ownerName', 'ownerPhone', 'ownerIdNo'] as const;
const AREA_MAX = 100000;
const MOBILE = /^1[3-9]\d{9}$/;
const LANDLINE = /^0\d{2,3}-?\d{7,8}$/;

/** "120.50" and 120.5 are the same area; blank is null. */
function area(value: number | string | null | undefined): string | null {
  if (value === null || value === undefined || String(value).trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n.toFixed(2) : String(value).trim();
}

function text(value: string | null | undefined): string {
  return (value ?? '').trim();
}

/** The HouseInput of what changed between the house and the form (nothing else is sent). */
export function houseChanges(house: EditableHouse, values: HouseFormValues): HouseInput {
  const out: HouseInput = {};
  for (const f of FIELDS) {
    if (f === 'buildingArea' || f === 'usableArea') {
      const before = area(house[f]);
      const after = area(values[f]);
      if (before !== after) out[f] = after;
    } else if (f === 'category' || f === 'lowIncome') {
      if (values[f] !== house[f]) (out as Record<string, unknown>)[f] = values[f];
    } else if (text(values[f]) !== text(house[f])) {
      out[f] = text(values[f]);
    }
  }
  return out;
}

/** Phone as the API accepts it: a mainland mobile (+86 allowed) or a landline like 010-12345678. */
export function validPhone(value: string): boolean {
  const v = value.replace(/[\s()]/g, '').replace(/^\+86/, '');
  return MOBILE.test(v) || LANDLINE.test(v);
}

export function HouseEditForm({ house, onSaved }: { house: EditableHouse; onSaved?: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<HouseFormValues>();
  const [general, setGeneral] = useState<string[]>([]);
  const categories = categoryText(t);
  const lowIncomes = lowIncomeText(t);
  const areaRule = {
    validator: async (_: unknown, value: number | null | undefined) => {
      if (value === null || value === undefined || String(value) === '') return; // required where it is
      if (!(value > 0) || value > AREA_MAX || !/^\d+(\.\d{1,2})?$/.test(String(value)))
        throw new Error(t('面积须大于 0、不超过 100000 且最多两位小数', 'Area: above 0, at most 100000, 2 decimals'));
    },
  };

  return (
    <DrawerForm<HouseFormValues>
      form={form}
      title={t(`编辑房屋 · ${house.accountNo}`, `Edit house · ${house.accountNo}`)}
      width={520}
      trigger={
        <Button type="primary" data-testid="house-edit">
          {t('编辑', 'Edit')}
        </Button>
      }
      drawerProps={{ destroyOnHidden: true }}
      submitter={{ searchConfig: { submitText: t('保存', 'Save'), resetText: t('取消', 'Cancel') } }}
      initialValues={{
        ...house,
        buildingArea: Number(house.buildingArea),
        usableArea: house.usableArea === null ? null : Number(house.usableArea),
      }}
      onOpenChange={(open) => open || setGeneral([])}
      onFinish={async (values) => {
        setGeneral([]);
        const input = houseChanges(house, values);
        if (Object.keys(input).length === 0) {
          message.info(t('没有修改', 'Nothing changed'));
          return true;
        }
        try {
          const { updateHouse } = await request(UpdateHouseDoc, { id: house.id, input });
          const errors = updateHouse?.errors ?? [];
          if (errors.length || !updateHouse?.house) {
            const mapped = fieldErrors(errors, FIELDS);
            form.setFields(mapped.fields);
            setGeneral(mapped.general);
            return false;
          }
          message.success(t('已保存', 'Saved'));
          onSaved?.();
          return true;
        } catch (err) {
          setGeneral([err instanceof ApiError ? err.message : String(err)]);
          return false;
        }
      }}
    >
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} />}
      <ProFormText
        name="room"
        label={t('室号', 'Room')}
        rules={[
          { required: true, whitespace: true, message: t('请填写室号', 'Enter the room') },
          { max: 32, message: t('最多 32 个字', 'At most 32 characters') },
        ]}
      />
      <ProFormDigit
        name="buildingArea"
        label={t('建筑面积（㎡）', 'Floor area (m²)')}
        fieldProps={{ precision: 2, step: 1, 'data-testid': 'edit-building-area' } as Record<string, unknown>}
        rules={[{ required: true, message: t('请填写建筑面积', 'Enter the floor area') }, areaRule]}
      />
      <ProFormDigit
        name="usableArea"
        label={t('套内面积（㎡）', 'Usable area (m²)')}
        fieldProps={{ precision: 2, step: 1 }}
        dependencies={['buildingArea']}
        rules={[
          areaRule,
          ({ getFieldValue }: FormInstance<HouseFormValues>) => ({
            validator: async (_: unknown, value: number | null) => {
              const total = getFieldValue('buildingArea');
              if (value && total && value > total)
                throw new Error(t('套内面积不能大于建筑面积', 'Usable area cannot exceed the floor area'));
            },
          }),
        ]}
      />
      <ProFormSelect
        name="category"
        label={t('类别', 'Category')}
        allowClear={false}
        options={CATEGORIES.map((c) => ({ value: c, label: categories[c] }))}
      />
      <ProFormSelect
        name="lowIncome"
        label={t('低保/特困', 'Low income')}
        allowClear={false}
        options={LOW_INCOMES.map((c) => ({ value: c, label: lowIncomes[c] }))}
      />
      <ProFormText name="meterNo" label={t('热表编号', 'Heat meter no.')} rules={[{ max: 64, message: t('最多 64 个字', 'At most 64 characters') }]} />
      <ProFormText
        name="ownerName"
        label={t('户主姓名', 'Owner')}
        rules={[
          { required: true, whitespace: true, message: t('请填写户主姓名', "Enter the owner's name") },
          { max: 64, message: t('最多 64 个字', 'At most 64 characters') },
        ]}
      />
      <ProFormText
        name="ownerPhone"
        label={t('户主电话', "Owner's phone")}
        fieldProps={{ 'data-testid': 'edit-owner-phone' } as Record<string, string>}
        rules={[
          {
            validator: async (_: unknown, value: string | undefined) => {
              if (value && value.trim() && !validPhone(value.trim()))
                throw new Error(t('请输入有效的手机号或固定电话（如 010-12345678）', 'A mobile or landline number (e.g. 010-12345678)'));
            },
          },
        ]}
      />
      <ProFormText
        name="ownerIdNo"
        label={t('证件号码', 'ID number')}
        rules={[
          { max: 32, message: t('最多 32 个字', 'At most 32 characters') },
          { pattern: /^[^*＊]*$/, message: t('不能是脱敏号码（含 *）', 'Not a masked number (no *)') },
        ]}
      />
    </DrawerForm>
  );
}

// A room-temperature inspection on site (phone-sized screens first): the rooms with area and the readings of
// each measuring point (typed "16.4 16.6"), the room's mean shown as it is typed, the outdoor temperature, the
// cause, the instrument number, the resident's signature (name) and photos. The API checks the rule's
// procedure (time window, points per room) and answers field errors, shown on their fields.
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, DatePicker, Form, Input, Select, Space, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import type { InspectionCause } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { errorPath, formatTenths, houseTenths, inspectionInput, readingTenths, roomTenths, validArea } from './inspection';
import { CAUSE, CAUSES } from './ticketLabels';
import { PhotoUpload } from './PhotoUpload';
import { RecordInspectionDoc } from './ticketWork';

interface RoomValues {
  name?: string;
  area?: string;
  readings?: string;
}
interface Values {
  measuredAt: Dayjs;
  rooms: RoomValues[];
  outdoorTemp?: string;
  cause: InspectionCause;
  deviceNo?: string;
  residentSignature?: string;
  note?: string;
}

/** "16.4 16.6" / "16.4，16.6" → ["16.4", "16.6"]. */
export function splitReadings(text: string | undefined): string[] {
  return String(text ?? '')
    .split(/[\s,，、;；]+/)
    .filter(Boolean);
}

const FIELDS = ['measuredAt', 'rooms', 'outdoorTemp', 'cause', 'deviceNo', 'residentSignature', 'note'] as const;

export function InspectionForm({ ticketId, onDone, onCancel }: { ticketId: string; onDone: () => void; onCancel?: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [photos, setPhotos] = useState<string[]>([]);
  const [general, setGeneral] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const rooms = Form.useWatch('rooms', form) ?? [];

  const submit = async (values: Values) => {
    setSaving(true);
    setGeneral([]);
    try {
      const draft = {
        measuredAt: values.measuredAt.format(),
        rooms: values.rooms.map((r) => ({ name: r.name ?? '', area: r.area ?? '', readings: splitReadings(r.readings) })),
        outdoorTemp: values.outdoorTemp,
        cause: values.cause,
        deviceNo: values.deviceNo,
        residentSignature: values.residentSignature,
        note: values.note,
      };
      const res = (await request(RecordInspectionDoc, { input: inspectionInput(ticketId, draft, photos) })).recordInspection;
      if (res?.errors.length) {
        const { fields, general: rest } = fieldErrors(res.errors, FIELDS);
        form.setFields(fields);
        // Errors on a room ("rooms.0.readings") go under that room's field.
        const roomErrors = res.errors.filter((e) => e.field && /^rooms\.\d+\./.test(e.field));
        form.setFields(roomErrors.map((e) => ({ name: errorPath(e.field as string), errors: [e.message] })) as Parameters<typeof form.setFields>[0]);
        setGeneral([...rest.filter((m) => !roomErrors.some((e) => e.message === m))]);
        return;
      }
      const inspection = res?.inspection;
      message.success(
        inspection?.compliant
          ? t(`已记录：室温 ${inspection.houseTemp}℃，达标`, `Recorded: ${inspection.houseTemp} ℃, compliant`)
          : t(`已记录：室温 ${inspection?.houseTemp ?? ''}℃，不达标`, `Recorded: ${inspection?.houseTemp ?? ''} ℃, below standard`),
      );
      onDone();
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setSaving(false);
    }
  };

  const house = houseTenths(rooms.map((r) => ({ name: r?.name ?? '', area: r?.area ?? '', readings: splitReadings(r?.readings) })));
  return (
    <Form<Values>
      form={form}
      layout="vertical"
      onFinish={submit}
      data-testid="inspection-form"
      initialValues={{ measuredAt: dayjs(), cause: 'UTILITY', rooms: [{ name: t('客厅', 'Living room') }] }}
    >
      {general.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={general.join(' ')} data-testid="inspection-error" />}
      <Form.Item name="measuredAt" label={t('测温时间', 'Measured at')} rules={[{ required: true, message: t('请填写测温时间', 'Enter the time') }]}>
        <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} inputReadOnly />
      </Form.Item>
      <Form.List name="rooms">
        {(fields, { add, remove }) => (
          <Space direction="vertical" style={{ width: '100%' }} size="small">
            {fields.map((field, index) => {
              const tenths = roomTenths(splitReadings(rooms[index]?.readings));
              return (
                <Card
                  key={field.key}
                  size="small"
                  data-testid={`inspection-room-${index}`}
                  title={t(`房间 ${index + 1}`, `Room ${index + 1}`)}
                  extra={
                    <Space>
                      {tenths !== null && (
                        <Typography.Text strong data-testid={`inspection-room-temp-${index}`}>
                          {formatTenths(tenths)}℃
                        </Typography.Text>
                      )}
                      {fields.length > 1 && (
                        <Button size="small" type="text" danger icon={<DeleteOutlined />} onClick={() => remove(field.name)} aria-label={t('删除房间', 'Remove room')} />
                      )}
                    </Space>
                  }
                >
                  <Form.Item name={[field.name, 'name']} label={t('房间', 'Room')} rules={[{ required: true, message: t('请填写房间', 'Name the room') }]}>
                    <Input placeholder={t('主卧 / 客厅', 'Bedroom / living room')} data-testid={`inspection-room-name-${index}`} />
                  </Form.Item>
                  <Form.Item
                    name={[field.name, 'area']}
                    label={t('面积 (m²)', 'Area (m²)')}
                    rules={[{ validator: (_, v) => (validArea(v) ? Promise.resolve() : Promise.reject(new Error(t('请填写面积，如 15.2', 'Enter the area, e.g. 15.2')))) }]}
                  >
                    <Input inputMode="decimal" data-testid={`inspection-room-area-${index}`} />
                  </Form.Item>
                  <Form.Item
                    name={[field.name, 'readings']}
                    label={t('各测点读数 (℃，空格分隔)', 'Readings per point (℃, space-separated)')}
                    rules={[
                      {
                        validator: (_, v) => {
                          const parts = splitReadings(v);
                          return parts.length && parts.every((p) => readingTenths(p) !== null)
                            ? Promise.resolve()
                            : Promise.reject(new Error(t('请填写读数，如 16.4 16.6', 'Enter readings, e.g. 16.4 16.6')));
                        },
                      },
                    ]}
                  >
                    <Input inputMode="decimal" placeholder="16.4 16.6" data-testid={`inspection-room-readings-${index}`} />
                  </Form.Item>
                </Card>
              );
            })}
            <Button block icon={<PlusOutlined />} onClick={() => add({})} data-testid="inspection-add-room">
              {t('添加房间', 'Add room')}
            </Button>
          </Space>
        )}
      </Form.List>
      {house !== null && (
        <Typography.Paragraph style={{ marginTop: 12 }} data-testid="inspection-house-temp">
          {t(`室温（最低房间）：${formatTenths(house)}℃`, `House temperature (lowest room): ${formatTenths(house)} ℃`)}
        </Typography.Paragraph>
      )}
      <Form.Item name="outdoorTemp" label={t('室外温度 (℃)', 'Outdoor (℃)')} style={{ marginTop: 12 }}>
        <Input inputMode="decimal" />
      </Form.Item>
      <Form.Item name="cause" label={t('原因', 'Cause')} rules={[{ required: true }]}>
        <Select data-testid="inspection-cause" options={CAUSES.map((c) => ({ value: c, label: t(...CAUSE[c]) }))} />
      </Form.Item>
      <Form.Item name="deviceNo" label={t('测温仪编号', 'Thermometer no.')}>
        <Input data-testid="inspection-device" />
      </Form.Item>
      <Form.Item name="residentSignature" label={t('住户签字（姓名）', "Resident's signature (name)")}>
        <Input data-testid="inspection-signature" />
      </Form.Item>
      <Form.Item name="note" label={t('备注', 'Note')}>
        <Input.TextArea rows={2} maxLength={500} />
      </Form.Item>
      <Form.Item label={t('现场照片', 'Photos')}>
        <PhotoUpload purpose="inspection" onChange={setPhotos} testId="inspection-photos" />
      </Form.Item>
      <Space style={{ width: '100%' }} direction="vertical">
        <Button type="primary" htmlType="submit" block size="large" loading={saving} data-testid="inspection-submit">
          {t('提交测温记录', 'Save inspection')}
        </Button>
        {onCancel && (
          <Button block onClick={onCancel}>
            {t('取消', 'Cancel')}
          </Button>
        )}
      </Space>
    </Form>
  );
}

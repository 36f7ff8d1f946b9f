// @access settings
// Staff accounts: a server-paginated table; add a member with one role; rename / change role (a role change
// signs the member out everywhere); disable / re-enable; set a new password; clear a login throttle.
import { ModalForm, ProFormSelect, ProFormText, type ActionType, type ProColumns, type ProFormInstance } from '@ant-design/pro-components';
import { Alert, App, Button, Dropdown, Popconfirm, Space, Tag } from 'antd';
import { useRef, useState } from 'react';
import { STAFF_ROLES, type StaffRole } from '../../access';
import { ApiError, fieldErrors, request, type PayloadError } from '../../api/client';
import { useAuth } from '../../auth/AuthProvider';
import { pageArgs, tablePage, type ProTableParams } from '../../components/table';
import { graphql } from '../../gql/tenant';
import type { SettingsStaffListQuery } from '../../gql/tenant/graphql';
import { useT, type T } from '../../i18n';
import { ROLE_COLORS, roleLabel } from './labels';
import DataTable from '../../components/DataTable';

const StaffList = graphql(`
  query SettingsStaffList($first: Int, $offset: Int) {
    staff(first: $first, offset: $offset) {
      totalCount
      items { id username displayName role isActive lastLogin }
    }
  }
`);

const CreateStaff = graphql(`
  mutation SettingsCreateStaff($username: String!, $password: String!, $role: Role!, $displayName: String) {
    createStaff(username: $username, password: $password, role: $role, displayName: $displayName) {
      staff { id username role }
      errors { field message code }
    }
  }
`);

const UpdateStaff = graphql(`
  mutation SettingsUpdateStaff($id: ID!, $displayName: String, $role: Role) {
    updateStaff(id: $id, displayName: $displayName, role: $role) {
      staff { id displayName role }
      errors { field message code }
    }
  }
`);

const SetActive = graphql(`
  mutation SettingsSetStaffActive($id: ID!, $active: Boolean!) {
    setStaffActive(id: $id, active: $active) {
      staff { id isActive }
      errors { field message code }
    }
  }
`);

const ResetPassword = graphql(`
  mutation SettingsResetStaffPassword($id: ID!, $password: String!) {
    resetStaffPassword(id: $id, password: $password) {
      staff { id }
      errors { field message code }
    }
  }
`);

const Unlock = graphql(`
  mutation SettingsUnlockStaffLogin($id: ID!) {
    unlockStaffLogin(id: $id) {
      staff { id }
      errors { field message code }
    }
  }
`);

type Row = SettingsStaffListQuery['staff']['items'][number];

/** Django's password rules as far as a browser can know them (length, not only digits); the API has the final word. */
export function passwordRules(t: T) {
  return [
    { required: true, message: t('请输入密码', 'Enter a password') },
    { min: 10, message: t('至少 10 个字符', 'At least 10 characters') },
    { pattern: /\D/, message: t('不能全是数字', 'Not only digits') },
  ];
}

function confirmRule(t: T, field: string) {
  return ({ getFieldValue }: { getFieldValue: (name: string) => unknown }) => ({
    validator: (_: unknown, value: unknown) =>
      !value || getFieldValue(field) === value ? Promise.resolve() : Promise.reject(new Error(t('两次输入的密码不一致', 'The passwords do not match'))),
  });
}

function roleOptions(t: T) {
  return STAFF_ROLES.map((r) => ({ value: r, label: t(...roleLabel(r)) }));
}

/** The API's errors on the form's fields; the rest in `setGeneral`. Returns false (the modal stays open). */
function showErrors<K extends string>(form: ProFormInstance | undefined, errors: readonly PayloadError[], known: readonly K[], setGeneral: (m: string[]) => void) {
  const { fields, general } = fieldErrors(errors, known);
  form?.setFields(fields);
  setGeneral(general);
  return false;
}

interface CreateValues {
  username: string;
  displayName?: string;
  role: StaffRole;
  password: string;
  confirm: string;
}

export function CreateStaffForm({ onCreated }: { onCreated: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const form = useRef<ProFormInstance<CreateValues>>(undefined);
  const [general, setGeneral] = useState<string[]>([]);
  return (
    <ModalForm<CreateValues>
      title={t('新建员工账号', 'New staff account')}
      formRef={form}
      trigger={
        <Button type="primary" data-testid="staff-create">
          {t('新建员工', 'New staff member')}
        </Button>
      }
      modalProps={{ destroyOnHidden: true, onCancel: () => setGeneral([]) }}
      submitter={{ searchConfig: { submitText: t('创建', 'Create') }, submitButtonProps: { 'data-testid': 'staff-create-submit' } as Record<string, string> }}
      initialValues={{ role: 'COLLECTOR' }}
      onFinish={async (v) => {
        setGeneral([]);
        try {
          const { createStaff } = await request(CreateStaff, {
            username: v.username.trim(),
            password: v.password,
            role: v.role,
            displayName: v.displayName?.trim() || null,
          });
          if (createStaff?.errors.length) return showErrors(form.current, createStaff.errors, ['username', 'password', 'role', 'displayName'], setGeneral);
          message.success(t(`已创建 ${v.username.trim()}`, `Created ${v.username.trim()}`));
          onCreated();
          return true;
        } catch (err) {
          setGeneral([err instanceof ApiError ? err.message : String(err)]);
          return false;
        }
      }}
    >
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} data-testid="staff-create-error" />}
      <ProFormText
        name="username"
        label={t('用户名', 'Username')}
        rules={[
          { required: true, whitespace: true, message: t('请输入用户名', 'Enter a username') },
          { max: 150, message: t('最多 150 个字符', 'At most 150 characters') },
        ]}
        fieldProps={{ autoComplete: 'off', 'data-testid': 'staff-username' } as Record<string, string>}
      />
      <ProFormText
        name="displayName"
        label={t('姓名（显示名称）', 'Name (display name)')}
        tooltip={t('显示在收据和操作记录中', 'Shown on receipts and in the audit log')}
        rules={[{ max: 150, message: t('最多 150 个字符', 'At most 150 characters') }]}
        fieldProps={{ 'data-testid': 'staff-display-name' } as Record<string, string>}
      />
      <ProFormSelect
        name="role"
        label={t('角色', 'Role')}
        options={roleOptions(t)}
        rules={[{ required: true, message: t('请选择角色', 'Choose a role') }]}
        fieldProps={{ 'data-testid': 'staff-role' } as Record<string, string>}
      />
      <ProFormText.Password
        name="password"
        label={t('初始密码', 'Initial password')}
        rules={passwordRules(t)}
        fieldProps={{ autoComplete: 'new-password', 'data-testid': 'staff-password' } as Record<string, string>}
      />
      <ProFormText.Password
        name="confirm"
        label={t('确认密码', 'Confirm password')}
        dependencies={['password']}
        rules={[{ required: true, message: t('请再次输入密码', 'Repeat the password') }, confirmRule(t, 'password')]}
        fieldProps={{ autoComplete: 'new-password', 'data-testid': 'staff-password-confirm' } as Record<string, string>}
      />
    </ModalForm>
  );
}

function EditStaffForm({ row, self, onDone }: { row: Row; self: boolean; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const form = useRef<ProFormInstance>(undefined);
  const [general, setGeneral] = useState<string[]>([]);
  return (
    <ModalForm<{ displayName: string; role: StaffRole }>
      title={t(`编辑 ${row.username}`, `Edit ${row.username}`)}
      formRef={form}
      trigger={
        <Button size="small" type="link" data-testid={`staff-edit-${row.username}`}>
          {t('编辑', 'Edit')}
        </Button>
      }
      initialValues={{ displayName: row.displayName, role: row.role }}
      modalProps={{ destroyOnHidden: true }}
      onFinish={async (v) => {
        setGeneral([]);
        // Omitted arguments stay as they are: send only what changed.
        const displayName = v.displayName.trim() !== row.displayName ? v.displayName.trim() : null;
        const role = v.role !== row.role ? v.role : null;
        if (displayName === null && role === null) return true;
        try {
          const { updateStaff } = await request(UpdateStaff, { id: row.id, displayName, role });
          if (updateStaff?.errors.length) return showErrors(form.current, updateStaff.errors, ['displayName', 'role'], setGeneral);
          message.success(t('已保存', 'Saved'));
          onDone();
          return true;
        } catch (err) {
          setGeneral([err instanceof ApiError ? err.message : String(err)]);
          return false;
        }
      }}
    >
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} />}
      <ProFormText name="displayName" label={t('姓名（显示名称）', 'Name (display name)')} rules={[{ max: 150, message: t('最多 150 个字符', 'At most 150 characters') }]} />
      <ProFormSelect
        name="role"
        label={t('角色', 'Role')}
        options={roleOptions(t)}
        disabled={self}
        tooltip={self ? t('不能修改自己的角色', 'You cannot change your own role') : t('修改角色后，该员工需要重新登录', 'A role change signs the member out everywhere')}
        rules={[{ required: true, message: t('请选择角色', 'Choose a role') }]}
      />
    </ModalForm>
  );
}

function ResetPasswordForm({ row }: { row: Row }) {
  const t = useT();
  const { message } = App.useApp();
  const form = useRef<ProFormInstance>(undefined);
  const [general, setGeneral] = useState<string[]>([]);
  return (
    <ModalForm<{ password: string; confirm: string }>
      title={t(`为 ${row.username} 设置新密码`, `New password for ${row.username}`)}
      formRef={form}
      trigger={
        <Button size="small" type="link" data-testid={`staff-reset-${row.username}`}>
          {t('重置密码', 'Reset password')}
        </Button>
      }
      modalProps={{ destroyOnHidden: true }}
      onFinish={async (v) => {
        setGeneral([]);
        try {
          const { resetStaffPassword } = await request(ResetPassword, { id: row.id, password: v.password });
          if (resetStaffPassword?.errors.length) return showErrors(form.current, resetStaffPassword.errors, ['password'], setGeneral);
          message.success(t('密码已重置，请告知该员工', 'Password reset; tell the member'));
          return true;
        } catch (err) {
          setGeneral([err instanceof ApiError ? err.message : String(err)]);
          return false;
        }
      }}
    >
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} />}
      <ProFormText.Password name="password" label={t('新密码', 'New password')} rules={passwordRules(t)} fieldProps={{ autoComplete: 'new-password' }} />
      <ProFormText.Password
        name="confirm"
        label={t('确认新密码', 'Confirm new password')}
        dependencies={['password']}
        rules={[{ required: true, message: t('请再次输入密码', 'Repeat the password') }, confirmRule(t, 'password')]}
        fieldProps={{ autoComplete: 'new-password' }}
      />
    </ModalForm>
  );
}

export default function StaffTab() {
  const t = useT();
  const { message } = App.useApp();
  const { me } = useAuth();
  const action = useRef<ActionType>(null);
  const reload = () => action.current?.reload();

  const run = async (fn: () => Promise<{ errors: readonly PayloadError[] } | null | undefined>, done: string) => {
    try {
      const res = await fn();
      if (res?.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
      else message.success(done);
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    }
    reload();
  };

  const columns: ProColumns<Row>[] = [
    { title: t('用户名', 'Username'), dataIndex: 'username', render: (_, r) => <span data-testid={`staff-row-${r.username}`}>{r.username}</span> },
    { title: t('姓名', 'Name'), dataIndex: 'displayName', renderText: (v: string) => v || '—' },
    {
      title: t('角色', 'Role'),
      dataIndex: 'role',
      render: (_, r) => (
        <Tag color={ROLE_COLORS[r.role as StaffRole]} data-testid={`staff-role-${r.username}`}>
          {t(...roleLabel(r.role))}
        </Tag>
      ),
    },
    {
      title: t('状态', 'Status'),
      dataIndex: 'isActive',
      render: (_, r) => (r.isActive ? <Tag color="green">{t('启用', 'Active')}</Tag> : <Tag>{t('已停用', 'Disabled')}</Tag>),
    },
    { title: t('最近登录', 'Last sign-in'), dataIndex: 'lastLogin', valueType: 'dateTime', renderText: (v) => v ?? undefined },
    {
      title: t('操作', 'Actions'),
      valueType: 'option',
      render: (_, r) => {
        const self = r.id === me?.id;
        return (
          <Space size={0} wrap>
            <EditStaffForm row={r} self={self} onDone={reload} />
            <ResetPasswordForm row={r} />
            {r.isActive ? (
              <Popconfirm
                title={t('停用后该员工立即退出登录，确定停用？', 'The member is signed out at once. Disable?')}
                okText={t('停用', 'Disable')}
                okButtonProps={{ danger: true, ...({ 'data-testid': `staff-disable-confirm-${r.username}` } as Record<string, string>) }}
                disabled={self}
                onConfirm={() => run(async () => (await request(SetActive, { id: r.id, active: false })).setStaffActive, t('已停用', 'Disabled'))}
              >
                <Button size="small" type="link" danger disabled={self} data-testid={`staff-disable-${r.username}`}>
                  {t('停用', 'Disable')}
                </Button>
              </Popconfirm>
            ) : (
              <Button
                size="small"
                type="link"
                data-testid={`staff-enable-${r.username}`}
                onClick={() => run(async () => (await request(SetActive, { id: r.id, active: true })).setStaffActive, t('已启用', 'Enabled'))}
              >
                {t('启用', 'Enable')}
              </Button>
            )}
            <Dropdown
              trigger={['click']}
              menu={{
                items: [{ key: 'unlock', label: t('解除登录锁定', 'Clear sign-in lock') }],
                onClick: () => run(async () => (await request(Unlock, { id: r.id })).unlockStaffLogin, t('已解除登录锁定', 'Sign-in lock cleared')),
              }}
            >
              <Button size="small" type="link">
                {t('更多', 'More')}
              </Button>
            </Dropdown>
          </Space>
        );
      },
    },
  ];

  return (
    <DataTable<Row, ProTableParams>
      rowKey="id"
      actionRef={action}
      columns={columns}
      search={false}
      data-testid="staff-table"
      headerTitle={t('员工账号', 'Staff accounts')}
      toolBarRender={() => [<CreateStaffForm key="create" onCreated={reload} />]}
      pagination={{ defaultPageSize: 20, showSizeChanger: true }}
      request={async (params) => tablePage((await request(StaffList, pageArgs(params))).staff)}
    />
  );
}

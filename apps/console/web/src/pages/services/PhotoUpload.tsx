// Pictures for a ticket, an inspection or a valve seal: each file goes to POST /files/services/photos/ (multipart
// `file` + `purpose`, the staff token) at once; the form then sends the returned ids. The server checks the
// content (JPEG/PNG/WebP, ≤ 5 MB) and strips EXIF; its refusal is shown on the file.
import { CameraOutlined } from '@ant-design/icons';
import { App, Upload, type UploadFile } from 'antd';
import { useState } from 'react';
import { ApiError } from '../../api/client';
import { uploadFile } from '../../api/files';
import { useT } from '../../i18n';

export const PHOTO_PATH = '/files/services/photos/';
export const MAX_PHOTOS = 9;
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
export type PhotoPurpose = 'ticket' | 'thermometer' | 'inspection' | 'ownership' | 'seal';

export interface UploadedPhoto {
  photoId: string;
  url: string;
}

export function uploadPhoto(file: Blob, name: string, purpose: PhotoPurpose, onProgress?: (p: number) => void): Promise<UploadedPhoto> {
  return uploadFile<UploadedPhoto>(PHOTO_PATH, file, name, onProgress, { purpose });
}

/** The ids of the files that finished uploading, in the order shown. */
export function photoIds(files: readonly UploadFile[]): string[] {
  return files.filter((f) => f.status === 'done' && f.response?.photoId).map((f) => String(f.response.photoId));
}

export function PhotoUpload({
  purpose,
  onChange,
  testId,
  max = MAX_PHOTOS,
}: {
  purpose: PhotoPurpose;
  onChange: (ids: string[]) => void;
  testId: string;
  max?: number;
}) {
  const t = useT();
  const { message } = App.useApp();
  const [files, setFiles] = useState<UploadFile[]>([]);
  const update = (next: UploadFile[]) => {
    setFiles(next);
    onChange(photoIds(next));
  };
  return (
    <div data-testid={testId}>
      <Upload
        listType="picture-card"
        accept="image/jpeg,image/png,image/webp"
        capture="environment"
        fileList={files}
        maxCount={max}
        beforeUpload={(file) => {
          if (file.size > MAX_PHOTO_BYTES) {
            message.error(t('照片不能超过 5 MB', 'A photo may be at most 5 MB'));
            return Upload.LIST_IGNORE;
          }
          return true;
        }}
        customRequest={({ file, onProgress, onSuccess, onError }) => {
          const blob = file as File;
          uploadPhoto(blob, blob.name || 'photo.jpg', purpose, (percent) => onProgress?.({ percent }))
            .then((res) => onSuccess?.(res))
            .catch((err: unknown) => {
              message.error(err instanceof ApiError ? err.message : String(err));
              onError?.(err as Error);
            });
        }}
        onChange={({ fileList }) => update(fileList.map((f) => (f.status === 'done' && f.response?.url ? { ...f, thumbUrl: f.response.url } : f)))}
      >
        {files.length < max && (
          <div>
            <CameraOutlined />
            <div style={{ marginTop: 4 }}>{t('拍照/上传', 'Photo')}</div>
          </div>
        )}
      </Upload>
    </div>
  );
}
